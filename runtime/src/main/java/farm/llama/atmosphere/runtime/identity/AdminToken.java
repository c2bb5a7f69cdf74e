package farm.llama.atmosphere.runtime.identity;

import farm.llama.atmosphere.runtime.util.AtomicFiles;
import farm.llama.atmosphere.spi.AtmosphereException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;

/**
 * The node's admin token: a random secret in {@code admin.token} (0600) that state-changing API
 * calls must carry, so other local users cannot drive the node. The CLI reads it from the file.
 */
public final class AdminToken {

    private static final SecureRandom RANDOM = new SecureRandom();

    private final byte[] value;

    private AdminToken(String value) {
        this.value = value.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * @param file {@code admin.token}
     * @return the existing token, or a new one written atomically with mode 0600
     */
    public static AdminToken loadOrCreate(Path file) {
        Optional<AdminToken> existing = load(file);
        if (existing.isPresent()) {
            return existing.get();
        }
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        try {
            AtomicFiles.writeString(file, token + "\n", AtomicFiles.PRIVATE);
        } catch (IOException e) {
            throw new AtmosphereException("Cannot write " + file + ": " + e.getMessage(), e);
        }
        return new AdminToken(token);
    }

    /**
     * @param file {@code admin.token}
     * @return the token, if the file exists and is readable by this user
     */
    public static Optional<AdminToken> load(Path file) {
        try {
            String text = Files.readString(file).trim();
            return text.isEmpty() ? Optional.empty() : Optional.of(new AdminToken(text));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /**
     * @param candidate what a request presented
     * @return whether it is the token (compared in constant time)
     */
    public boolean matches(String candidate) {
        return MessageDigest.isEqual(value, candidate.getBytes(StandardCharsets.UTF_8));
    }

    /** @return the secret, to send in a request header; never log it */
    public String secret() {
        return new String(value, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "AdminToken[***]";
    }
}
