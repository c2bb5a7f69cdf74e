package farm.llama.atmosphere.runtime.mesh;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import farm.llama.atmosphere.runtime.DataDir;
import farm.llama.atmosphere.runtime.identity.Identity;
import farm.llama.atmosphere.runtime.util.AtomicFiles;
import farm.llama.atmosphere.runtime.util.FileFormat;
import farm.llama.atmosphere.runtime.util.Json;
import farm.llama.atmosphere.spi.AtmosphereException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * This node's mesh state under {@code $DATA/mesh/}: {@code mesh.json} (id, name, role),
 * {@code mesh-key.json} (the mesh private key, founder only, 0600), {@code root.pem} (the pinned
 * mesh root) and {@code member.pem} (this node's membership certificate). Every file is written
 * atomically and carries a format version.
 */
public final class MeshStore {

    /**
     * Format version of the mesh files. 2 (0.2.0): {@code member.pem} holds the membership chain —
     * the leaf, then the admin certificate that signed it, if an admin did; 1 (0.1.0) kept that
     * admin certificate in {@code intermediate.pem} beside it ({@link #migrate()} folds it in).
     */
    public static final int FORMAT = 2;
    /** How long a member certificate lasts before renewal. */
    public static final Duration MEMBERSHIP = Duration.ofDays(365);

    /**
     * What this node knows of its mesh.
     *
     * @param meshId the mesh id
     * @param name the mesh name
     * @param role {@code founder}, {@code admin} or {@code member}
     * @param createdAt when this node joined or created it (ISO-8601)
     * @param certificateExpires when this node's membership certificate expires (ISO-8601)
     */
    public record MeshInfo(String meshId, String name, String role, String createdAt, String certificateExpires) {
    }

    private final DataDir dataDir;
    private final Path dir;

    /**
     * @param dataDir the node's data dir
     */
    public MeshStore(DataDir dataDir) {
        this.dataDir = dataDir;
        this.dir = dataDir.path().resolve("mesh");
    }

    /** @return the {@code mesh/} folder */
    public Path dir() {
        return dir;
    }

    /** @return this node's mesh, if it belongs to one */
    public Optional<MeshInfo> info() {
        Path file = dir.resolve("mesh.json");
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        try {
            JsonNode m = FileFormat.read(file, FORMAT);
            X509Certificate member = certificate(dir.resolve("member.pem"));
            return Optional.of(new MeshInfo(m.path("meshId").asText(), m.path("name").asText(), m.path("role").asText(),
                    m.path("createdAt").asText(), member.getNotAfter().toInstant().toString()));
        } catch (IOException | IllegalArgumentException e) {
            throw new AtmosphereException(file + " is unreadable (" + e.getMessage() + "). Restore it, or 'atmosphere mesh leave' and join again.", e);
        }
    }

    /**
     * {@code mesh create}: this node becomes the founder of a new mesh.
     *
     * @param name the mesh name
     * @return the new mesh
     * @throws AtmosphereException if this node already belongs to a mesh
     */
    public synchronized MeshInfo create(String name) {
        if (name.isBlank() || name.length() > 64 || name.chars().anyMatch(Character::isISOControl)) {
            throw new AtmosphereException("The mesh name must be 1-64 printable characters, got '" + name + "'.");
        }
        requireNoMesh();
        Identity node = Identity.load(dataDir.identityFile());
        try {
            KeyPair mesh = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
            String meshId = MeshCertificates.meshId(mesh.getPublic());
            X509Certificate root = MeshCertificates.root(mesh.getPublic(), mesh.getPrivate(), name);
            X509Certificate member = MeshCertificates.member(root, mesh.getPrivate(), node.publicKey(), MEMBERSHIP);
            AtomicFiles.createPrivateDirectories(dir);
            ObjectNode key = Json.MAPPER.createObjectNode();
            key.put("format", FORMAT);
            key.put("meshId", meshId);
            key.put("publicKey", Base64.getEncoder().encodeToString(Identity.rawPublicKey(mesh.getPublic())));
            key.put("privateKey", Base64.getEncoder().encodeToString(mesh.getPrivate().getEncoded()));
            AtomicFiles.writeString(dir.resolve("mesh-key.json"), Json.pretty(key) + "\n", AtomicFiles.PRIVATE);
            AtomicFiles.writeString(dir.resolve("root.pem"), pem(root), AtomicFiles.PRIVATE);
            AtomicFiles.writeString(dir.resolve("member.pem"), pem(member), AtomicFiles.PRIVATE);
            ObjectNode info = Json.MAPPER.createObjectNode();
            info.put("format", FORMAT);
            info.put("meshId", meshId);
            info.put("name", name);
            info.put("role", "founder");
            info.put("founder", node.nodeId());
            info.put("createdAt", Instant.now().toString());
            // mesh.json last: its presence marks a complete mesh state
            AtomicFiles.writeString(dir.resolve("mesh.json"), Json.pretty(info) + "\n", AtomicFiles.PRIVATE);
            return info().orElseThrow();
        } catch (IOException | GeneralSecurityException e) {
            throw new AtmosphereException("Cannot create the mesh under " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * Stores a membership granted by another node (after {@link Joins#accept} checked it).
     *
     * @param root the mesh root to pin
     * @param member this node's membership certificate
     * @param name the mesh name
     * @return the mesh joined
     * @throws AtmosphereException if this node already belongs to a mesh
     */
    synchronized MeshInfo adopt(X509Certificate root, X509Certificate member, String name) {
        return adopt(root, member, Optional.empty(), name);
    }

    /**
     * Stores a membership granted by the founder or an admin.
     *
     * @param root the mesh root to pin
     * @param member this node's membership certificate
     * @param intermediate the admin certificate that signed it, if an admin did
     * @param name the mesh name
     * @return the mesh joined
     */
    synchronized MeshInfo adopt(X509Certificate root, X509Certificate member, Optional<X509Certificate> intermediate, String name) {
        requireNoMesh();
        try {
            AtomicFiles.createPrivateDirectories(dir);
            // an intermediate.pem of format 1 left by an interrupted earlier join must not be mistaken for this one's
            Files.deleteIfExists(dir.resolve("intermediate.pem"));
            Files.deleteIfExists(dir.resolve("admin.pem"));
            AtomicFiles.writeString(dir.resolve("root.pem"), pem(root), AtomicFiles.PRIVATE);
            AtomicFiles.writeString(dir.resolve("member.pem"), pem(member) + (intermediate.isPresent() ? pem(intermediate.get()) : ""),
                    AtomicFiles.PRIVATE);
            ObjectNode info = Json.MAPPER.createObjectNode();
            info.put("format", FORMAT);
            info.put("meshId", MeshCertificates.meshIdOf(root));
            info.put("name", name);
            info.put("role", "member");
            info.put("createdAt", Instant.now().toString());
            // mesh.json last: its presence marks a complete mesh state
            AtomicFiles.writeString(dir.resolve("mesh.json"), Json.pretty(info) + "\n", AtomicFiles.PRIVATE);
            return info().orElseThrow();
        } catch (IOException | GeneralSecurityException e) {
            throw new AtmosphereException("Cannot store the membership under " + dir + ": " + e.getMessage(), e);
        }
    }

    private void requireNoMesh() {
        Optional<MeshInfo> existing = info();
        if (existing.isPresent()) {
            throw new AtmosphereException("This node is already in mesh " + existing.get().meshId() + " ('" + existing.get().name()
                    + "'). Nothing was changed. Leave it first with 'atmosphere mesh leave'.");
        }
    }

    /** @return the mesh root this node pinned */
    public X509Certificate root() {
        return certificate(dir.resolve("root.pem"));
    }

    /** @return this node's membership certificate */
    public X509Certificate member() {
        return certificate(dir.resolve("member.pem"));
    }

    /** @return this node's membership chain, leaf first (with the admin certificate that signed it, if one did) */
    public List<X509Certificate> chain() {
        List<X509Certificate> bundle = certificates(dir.resolve("member.pem"));
        return List.copyOf(bundle.subList(0, Math.min(2, bundle.size())));
    }

    /**
     * Brings the mesh files of an older version to {@link #FORMAT}; a no-op when they are current or
     * there is no mesh. From format 1: an {@code intermediate.pem} that signed this node's
     * certificate joins it in {@code member.pem} (one atomic write), then goes, then
     * {@code mesh.json} says format 2 — each step safe to repeat if the previous run was cut short.
     *
     * @return whether anything was migrated
     * @throws FileFormat.NewerException if a newer version wrote them
     * @throws AtmosphereException if they cannot be read or written
     */
    public synchronized boolean migrate() {
        Path file = dir.resolve("mesh.json");
        if (!Files.exists(file)) {
            return false;
        }
        try {
            ObjectNode m = (ObjectNode) Json.parse(Files.readString(file));
            if (FileFormat.of(m, file, FORMAT) == FORMAT) {
                return false;
            }
            Path intermediate = dir.resolve("intermediate.pem");
            if (Files.exists(intermediate)) {
                List<X509Certificate> bundle = certificates(dir.resolve("member.pem"));
                X509Certificate admin = certificate(intermediate);
                if (bundle.size() == 1 && admin.getSubjectX500Principal().equals(bundle.get(0).getIssuerX500Principal())) {
                    AtomicFiles.writeString(dir.resolve("member.pem"), pem(bundle.get(0)) + pem(admin), AtomicFiles.PRIVATE);
                }
                Files.delete(intermediate);
            }
            m.put("format", FORMAT);
            AtomicFiles.writeString(file, Json.pretty(m) + "\n", AtomicFiles.PRIVATE);
            return true;
        } catch (IOException | GeneralSecurityException | IllegalArgumentException | ClassCastException e) {
            throw new AtmosphereException("Cannot bring " + dir + " to format " + FORMAT + ": " + e.getMessage()
                    + ". The files are as they were; restore them from a backup if one is damaged.", e);
        }
    }

    /**
     * Replaces this node's membership certificate with one re-issued by the founder or an admin
     * (after the caller checked that it chains to the root and is for this node's key). One atomic
     * write: the leaf and the admin certificate that signed it (if any) go into {@code member.pem}.
     *
     * @param member the new membership certificate
     * @param intermediate the admin certificate that signed it, if an admin did
     */
    public synchronized void renew(X509Certificate member, Optional<X509Certificate> intermediate) {
        try {
            String bundle = pem(member) + (intermediate.isPresent() ? pem(intermediate.get()) : "");
            AtomicFiles.writeString(dir.resolve("member.pem"), bundle, AtomicFiles.PRIVATE);
        } catch (IOException | GeneralSecurityException e) {
            throw new AtmosphereException("Cannot store the renewed membership under " + dir + ": " + e.getMessage(), e);
        }
    }

    private static List<X509Certificate> certificates(Path file) {
        try {
            List<X509Certificate> out = new ArrayList<>();
            for (var c : CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(Files.readAllBytes(file)))) {
                out.add((X509Certificate) c);
            }
            if (out.isEmpty()) {
                throw new AtmosphereException("No certificate in " + file + ".");
            }
            return out;
        } catch (IOException | GeneralSecurityException e) {
            throw new AtmosphereException("Cannot read the certificate " + file + ": " + e.getMessage(), e);
        }
    }

    /** @return this node's admin certificate, if the founder made it an admin */
    public Optional<X509Certificate> adminCertificate() {
        Path file = dir.resolve("admin.pem");
        return Files.exists(file) ? Optional.of(certificate(file)) : Optional.empty();
    }

    /**
     * Makes this node an admin (or a member again).
     *
     * @param admin the admin certificate the founder issued for this node's key, or empty to drop the role
     * @throws AtmosphereException if this node is in no mesh or is the founder
     */
    public synchronized void setAdmin(Optional<X509Certificate> admin) {
        MeshInfo info = info().orElseThrow(() -> new AtmosphereException("This node is not in a mesh."));
        if (info.role().equals("founder")) {
            throw new AtmosphereException("The founder holds the mesh key; it needs no admin role.");
        }
        try {
            if (admin.isPresent()) {
                AtomicFiles.writeString(dir.resolve("admin.pem"), pem(admin.get()), AtomicFiles.PRIVATE);
            } else {
                Files.deleteIfExists(dir.resolve("admin.pem"));
            }
            ObjectNode m = (ObjectNode) FileFormat.read(dir.resolve("mesh.json"), FORMAT);
            m.put("role", admin.isPresent() ? "admin" : "member");
            AtomicFiles.writeString(dir.resolve("mesh.json"), Json.pretty(m) + "\n", AtomicFiles.PRIVATE);
        } catch (IOException | GeneralSecurityException e) {
            throw new AtmosphereException("Cannot store the admin role under " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * Remembers the relays an invite named ({@code mesh/relays.json}, written atomically).
     *
     * @param relays relay URLs
     */
    public synchronized void saveRelays(List<String> relays) {
        ObjectNode doc = Json.MAPPER.createObjectNode();
        doc.put("format", FORMAT);
        relays.forEach(doc.putArray("relays")::add);
        try {
            AtomicFiles.writeString(dir.resolve("relays.json"), Json.pretty(doc) + "\n", AtomicFiles.PRIVATE);
        } catch (IOException e) {
            throw new AtmosphereException("Cannot store the mesh's relays under " + dir + ": " + e.getMessage(), e);
        }
    }

    /** @return the relays an invite named, or none */
    public List<String> relays() {
        Path file = dir.resolve("relays.json");
        if (!Files.exists(file)) {
            return List.of();
        }
        try {
            List<String> out = new ArrayList<>();
            FileFormat.read(file, FORMAT).path("relays").forEach(r -> out.add(r.asText()));
            return out;
        } catch (IOException | IllegalArgumentException e) {
            throw new AtmosphereException(file + " is unreadable: " + e.getMessage() + ". Delete it, or list the relays in mesh.relays.", e);
        }
    }

    /** @return the mesh private key, if this node is the founder */
    public Optional<PrivateKey> meshKey() {
        Path file = dir.resolve("mesh-key.json");
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        try {
            JsonNode k = FileFormat.read(file, FORMAT);
            return Optional.of(KeyFactory.getInstance("Ed25519")
                    .generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(k.path("privateKey").asText()))));
        } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
            throw new AtmosphereException(file + " is unreadable: " + e.getMessage(), e);
        }
    }

    /**
     * {@code mesh leave}: removes this node's mesh state.
     *
     * @return the mesh left, if any
     */
    public synchronized Optional<MeshInfo> leave() {
        Optional<MeshInfo> info = info();
        if (!Files.exists(dir)) {
            return info;
        }
        try {
            // mesh.json first: without it the rest is ignored, so a crash here leaves no half mesh
            Files.deleteIfExists(dir.resolve("mesh.json"));
            try (Stream<Path> walk = Files.walk(dir)) {
                for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        } catch (IOException e) {
            throw new AtmosphereException("Cannot remove " + dir + ": " + e.getMessage(), e);
        }
        return info;
    }

    private static String pem(X509Certificate c) throws GeneralSecurityException {
        return "-----BEGIN CERTIFICATE-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(c.getEncoded()) + "\n-----END CERTIFICATE-----\n";
    }

    private static X509Certificate certificate(Path file) {
        try {
            return (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(Files.readAllBytes(file)));
        } catch (IOException | GeneralSecurityException e) {
            throw new AtmosphereException("Cannot read the certificate " + file + ": " + e.getMessage(), e);
        }
    }
}
