package farm.llama.atmosphere.runtime.identity;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import farm.llama.atmosphere.runtime.util.AtomicFiles;
import farm.llama.atmosphere.runtime.util.FileFormat;
import farm.llama.atmosphere.runtime.util.Json;
import farm.llama.atmosphere.spi.AtmosphereException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * API keys for clients that are not on this machine: {@code atmosphere token create|list|revoke}.
 * Keys are random ({@code atm_<id>_<secret>}, 256 bits of secret), shown once, and stored only as
 * SHA-256 hashes in {@code api-keys.json} (0600, written atomically). A serving node rereads the
 * file when it changes, so keys made or revoked by the CLI take effect at once. Thread-safe.
 */
public final class ApiKeys {

    /** Format version of {@code api-keys.json}. */
    public static final int FORMAT = 1;
    private static final SecureRandom RANDOM = new SecureRandom();

    /** What a key may reach. */
    public enum Scope {
        /** The OpenAI-compatible API ({@code /v1/...}) only. */
        OPENAI,
        /** Firing triggers ({@code POST /api/v1/triggers/...}) only: for sensors and webhooks. */
        TRIGGERS,
        /** Everything, including changes to the node. */
        ALL;

        /** @return the lower-case name used in files and on the command line */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }

        static Scope parse(String s) {
            try {
                return valueOf(s.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new AtmosphereException("Unknown scope '" + s + "': use 'openai' (the /v1 API only), 'triggers' (firing triggers only) or 'all'.");
            }
        }
    }

    /**
     * A key as listed: never its secret.
     *
     * @param id the key's public id (8 hex characters)
     * @param name what it is for
     * @param scope what it may reach
     * @param createdAt when it was made (ISO-8601)
     */
    public record KeyInfo(String id, String name, String scope, String createdAt) {
        /** Validates. */
        public KeyInfo {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(scope, "scope");
            Objects.requireNonNull(createdAt, "createdAt");
        }

        /** @return what it may reach, as a scope */
        public Scope rights() {
            return Scope.parse(scope);
        }
    }

    /**
     * A key just made: the only time its secret is known.
     *
     * @param info the key
     * @param key the full key to give the client
     */
    public record NewKey(KeyInfo info, String key) {
    }

    private record Entry(KeyInfo info, String hash) {
    }

    private final Path file;
    private List<Entry> entries = List.of();
    private FileTime loadedTime;
    private long loadedSize = -1;

    /**
     * @param file {@code api-keys.json}
     */
    public ApiKeys(Path file) {
        this.file = file;
    }

    private synchronized List<Entry> entries() {
        try {
            if (!Files.exists(file)) {
                entries = List.of();
                loadedTime = null;
                return entries;
            }
            FileTime t = Files.getLastModifiedTime(file);
            long size = Files.size(file);
            if (t.equals(loadedTime) && size == loadedSize) {
                return entries;
            }
            JsonNode root = FileFormat.read(file, FORMAT);
            List<Entry> list = new ArrayList<>();
            for (JsonNode k : root.path("keys")) {
                list.add(new Entry(new KeyInfo(k.path("id").asText(), k.path("name").asText(), k.path("scope").asText(),
                        k.path("createdAt").asText()), k.path("sha256").asText()));
            }
            entries = List.copyOf(list);
            loadedTime = t;
            loadedSize = size;
            return entries;
        } catch (IOException | IllegalArgumentException e) {
            throw new AtmosphereException(file + " is unreadable (" + e.getMessage() + "); no API key is accepted until it is fixed.", e);
        }
    }

    /** @return every key, without secrets */
    public List<KeyInfo> list() {
        return entries().stream().map(Entry::info).toList();
    }

    /**
     * @param name what the key is for
     * @param scope {@code openai} or {@code all}
     * @return the new key; its secret is shown only now
     */
    public synchronized NewKey create(String name, String scope) {
        Scope s = Scope.parse(scope);
        byte[] idBytes = new byte[4];
        byte[] secret = new byte[32];
        RANDOM.nextBytes(idBytes);
        RANDOM.nextBytes(secret);
        String id = HexFormat.of().formatHex(idBytes);
        String key = "atm_" + id + "_" + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
        KeyInfo info = new KeyInfo(id, name, s.label(), Instant.now().toString());
        List<Entry> next = new ArrayList<>(entries());
        next.add(new Entry(info, sha256(key)));
        save(next);
        return new NewKey(info, key);
    }

    /**
     * @param id the key's id
     * @return whether a key was revoked
     */
    public synchronized boolean revoke(String id) {
        List<Entry> next = new ArrayList<>(entries());
        boolean removed = next.removeIf(e -> e.info().id().equals(id));
        if (removed) {
            save(next);
        }
        return removed;
    }

    /**
     * @param presented a bearer token from a request
     * @return the key's scope, if it is a valid key
     */
    public Optional<Scope> check(String presented) {
        return find(presented).map(KeyInfo::rights);
    }

    /**
     * @param presented a bearer token from a request
     * @return the key it is (without its secret), if it is a valid key
     */
    public Optional<KeyInfo> find(String presented) {
        if (!presented.startsWith("atm_")) {
            return Optional.empty();
        }
        byte[] hash = sha256(presented).getBytes(StandardCharsets.US_ASCII);
        for (Entry e : entries()) {
            if (MessageDigest.isEqual(hash, e.hash().getBytes(StandardCharsets.US_ASCII))) {
                return Optional.of(e.info());
            }
        }
        return Optional.empty();
    }

    private void save(List<Entry> list) {
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("format", FORMAT);
        ArrayNode keys = root.putArray("keys");
        for (Entry e : list) {
            ObjectNode k = keys.addObject();
            k.put("id", e.info().id());
            k.put("name", e.info().name());
            k.put("scope", e.info().scope());
            k.put("createdAt", e.info().createdAt());
            k.put("sha256", e.hash());
        }
        try {
            AtomicFiles.writeString(file, Json.pretty(root) + "\n", AtomicFiles.PRIVATE);
        } catch (IOException e) {
            throw new AtmosphereException("Cannot write " + file + ": " + e.getMessage(), e);
        }
        entries = List.copyOf(list);
        loadedTime = null;
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
