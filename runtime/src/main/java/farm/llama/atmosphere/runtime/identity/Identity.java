package farm.llama.atmosphere.runtime.identity;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import farm.llama.atmosphere.runtime.util.AtomicFiles;
import farm.llama.atmosphere.runtime.util.FileFormat;
import farm.llama.atmosphere.runtime.util.Json;
import farm.llama.atmosphere.spi.AtmosphereException;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.EdECPrivateKey;
import java.security.spec.NamedParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.security.spec.XECPrivateKeySpec;
import java.security.spec.XECPublicKeySpec;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Objects;
import java.util.regex.Pattern;
import javax.crypto.KeyAgreement;
import org.bouncycastle.math.ec.rfc8032.Ed25519;

/**
 * The node's Ed25519 identity. The node id is the first 16 hex characters of SHA-256 over the raw
 * 32-byte public key (not its X.509 encoding), as in the original.
 *
 * <p>Immutable and thread-safe. {@code toString()} never shows the private key.
 */
public final class Identity {

    private static final Pattern NODE_ID = Pattern.compile("[0-9a-f]{16}");

    /** Format version of {@code identity.json}. */
    public static final int FORMAT = 1;

    /** The X.509 SubjectPublicKeyInfo prefix of an Ed25519 key; the raw key follows it. */
    private static final byte[] X509_PREFIX = HexFormat.of().parseHex("302a300506032b6570032100");

    private final String nodeId;
    private final String name;
    private final Instant createdAt;
    private final KeyPair keyPair;
    /** The raw 32-byte private seed and public key, for BouncyCastle's RFC 8032 code (about 10x the JDK's speed). */
    private final byte[] seed;
    private final byte[] rawPublic;

    private Identity(String name, Instant createdAt, KeyPair keyPair) {
        this.name = Objects.requireNonNull(name, "name");
        this.createdAt = Objects.requireNonNull(createdAt, "createdAt");
        this.keyPair = keyPair;
        this.rawPublic = rawPublicKey(keyPair.getPublic());
        this.nodeId = nodeIdOf(rawPublic);
        if (!(keyPair.getPrivate() instanceof EdECPrivateKey ed) || ed.getBytes().isEmpty()) {
            throw new IllegalArgumentException("not an Ed25519 private key");
        }
        this.seed = ed.getBytes().get();
    }

    /**
     * @param name display name
     * @return a fresh identity
     */
    public static Identity generate(String name) {
        try {
            KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
            return new Identity(name, Instant.now(), pair);
        } catch (GeneralSecurityException e) {
            throw new AtmosphereException("This Java runtime cannot make Ed25519 keys", e);
        }
    }

    /**
     * @param text anything
     * @return whether it is a node id: 16 lower-case hex digits
     */
    public static boolean isNodeId(String text) {
        return text != null && NODE_ID.matcher(text).matches();
    }

    /**
     * @param raw the raw 32-byte Ed25519 public key
     * @return the node id: first 16 hex characters of SHA-256(raw)
     */
    public static String nodeIdOf(byte[] raw) {
        if (raw.length != 32) {
            throw new IllegalArgumentException("an Ed25519 public key has 32 bytes, got " + raw.length);
        }
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(raw);
            return HexFormat.of().formatHex(hash, 0, 8);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * @param key an Ed25519 public key
     * @return its raw 32 bytes
     */
    public static byte[] rawPublicKey(PublicKey key) {
        byte[] encoded = key.getEncoded();
        if (encoded.length != X509_PREFIX.length + 32
                || !Arrays.equals(encoded, 0, X509_PREFIX.length, X509_PREFIX, 0, X509_PREFIX.length)) {
            throw new IllegalArgumentException("not an Ed25519 public key");
        }
        return Arrays.copyOfRange(encoded, X509_PREFIX.length, encoded.length);
    }

    /**
     * @param raw raw 32-byte Ed25519 public key
     * @return the key
     */
    public static PublicKey publicKeyOf(byte[] raw) {
        if (raw.length != 32) {
            throw new IllegalArgumentException("an Ed25519 public key has 32 bytes, got " + raw.length);
        }
        byte[] encoded = new byte[X509_PREFIX.length + 32];
        System.arraycopy(X509_PREFIX, 0, encoded, 0, X509_PREFIX.length);
        System.arraycopy(raw, 0, encoded, X509_PREFIX.length, 32);
        try {
            return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(encoded));
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("not an Ed25519 public key", e);
        }
    }

    /** @return the node id */
    public String nodeId() {
        return nodeId;
    }

    /** @return the display name */
    public String name() {
        return name;
    }

    /** @return when the identity was created */
    public Instant createdAt() {
        return createdAt;
    }

    /** @return the public key */
    public PublicKey publicKey() {
        return keyPair.getPublic();
    }

    /**
     * @return the private key, for the TLS key manager of mesh links; never log or serialize it
     */
    public PrivateKey privateKey() {
        return keyPair.getPrivate();
    }

    /** @return the raw public key, base64 */
    public String publicKeyBase64() {
        return Base64.getEncoder().encodeToString(rawPublicKey(keyPair.getPublic()));
    }

    /**
     * @param data bytes to sign
     * @return the Ed25519 signature (64 bytes)
     */
    public byte[] sign(byte[] data) {
        byte[] sig = new byte[Ed25519.SIGNATURE_SIZE];
        Ed25519.sign(seed, 0, rawPublic, 0, data, 0, data.length, sig, 0);
        return sig;
    }

    private static final BigInteger P25519 = BigInteger.TWO.pow(255).subtract(BigInteger.valueOf(19));

    /**
     * X25519 key agreement between this node and another, with the X25519 keys that are the
     * birational images (RFC 7748 §4.1) of the two Ed25519 keys: this node's scalar is the clamped
     * first half of SHA-512(seed), as Ed25519 itself uses it; the peer's Montgomery u-coordinate
     * is (1 + y) / (1 - y) of its Edwards point. So the Ed25519 key a membership certificate
     * certifies also certifies the node's X25519 key, and both sides derive the same secret.
     *
     * @param peer the other node's Ed25519 public key
     * @return the 32-byte shared secret
     * @throws IllegalArgumentException if the peer key is not a usable Ed25519 key (a low-order point)
     */
    public byte[] agree(PublicKey peer) {
        return agreeX25519(x25519(peer));
    }

    /**
     * @param ed25519 a node's Ed25519 public key
     * @return the X25519 public key that is its birational image (RFC 7748 §4.1): the key
     *         {@link #agree} agrees with, for a party that holds no Ed25519 key of its own
     * @throws IllegalArgumentException if it is not a usable Ed25519 key
     */
    public static PublicKey x25519(PublicKey ed25519) {
        try {
            return KeyFactory.getInstance("X25519").generatePublic(new XECPublicKeySpec(NamedParameterSpec.X25519,
                    montgomeryU(rawPublicKey(ed25519))));
        } catch (java.security.spec.InvalidKeySpecException e) {
            throw new IllegalArgumentException("not a usable key: " + e.getMessage(), e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * X25519 key agreement between this node's X25519 key (see {@link #agree}) and any X25519 key,
     * such as a joiner's one-time key.
     *
     * @param theirs the other party's X25519 public key
     * @return the 32-byte shared secret
     * @throws IllegalArgumentException if the key cannot agree (a low-order point)
     */
    public byte[] agreeX25519(PublicKey theirs) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-512").digest(seed);
            byte[] scalar = Arrays.copyOf(h, 32); // the JDK clamps it as RFC 7748 says
            KeyFactory kf = KeyFactory.getInstance("X25519");
            PrivateKey mine = kf.generatePrivate(new XECPrivateKeySpec(NamedParameterSpec.X25519, scalar));
            Arrays.fill(h, (byte) 0);
            Arrays.fill(scalar, (byte) 0);
            KeyAgreement ka = KeyAgreement.getInstance("X25519");
            ka.init(mine);
            ka.doPhase(theirs, true);
            return ka.generateSecret();
        } catch (InvalidKeyException e) {
            throw new IllegalArgumentException("the peer's key cannot be used for key agreement: " + e.getMessage(), e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** @return the Montgomery u-coordinate of a raw Ed25519 public key */
    static BigInteger montgomeryU(byte[] ed25519) {
        byte[] be = new byte[32];
        for (int i = 0; i < 32; i++) {
            be[i] = ed25519[31 - i];
        }
        be[0] &= 0x7f; // the top bit is the sign of x
        BigInteger y = new BigInteger(1, be);
        BigInteger one = BigInteger.ONE;
        BigInteger denominator = one.subtract(y).mod(P25519);
        if (y.compareTo(P25519) >= 0 || denominator.signum() == 0) {
            throw new IllegalArgumentException("not a valid Ed25519 public key");
        }
        return one.add(y).multiply(denominator.modInverse(P25519)).mod(P25519);
    }

    /**
     * @param key the signer's public key
     * @param data the signed bytes
     * @param sig the signature
     * @return whether the signature is valid
     */
    public static boolean verify(PublicKey key, byte[] data, byte[] sig) {
        if (sig == null || sig.length != Ed25519.SIGNATURE_SIZE) {
            return false;
        }
        byte[] raw;
        try {
            raw = rawPublicKey(key);
        } catch (IllegalArgumentException e) {
            return false;
        }
        try {
            return Ed25519.verify(sig, 0, raw, 0, data, 0, data.length);
        } catch (RuntimeException e) {
            return false;
        }
    }

    /**
     * Writes {@code identity.json} atomically with mode 0600.
     *
     * @param file the target
     * @throws IOException on failure; an existing file is then unchanged
     */
    public void save(Path file) throws IOException {
        ObjectNode json = Json.MAPPER.createObjectNode();
        json.put("format", FORMAT);
        json.put("nodeId", nodeId);
        json.put("name", name);
        json.put("createdAt", createdAt.toString());
        json.put("publicKey", publicKeyBase64());
        json.put("privateKey", Base64.getEncoder().encodeToString(keyPair.getPrivate().getEncoded()));
        AtomicFiles.writeString(file, Json.pretty(json) + "\n", AtomicFiles.PRIVATE);
    }

    /**
     * Reads {@code identity.json}.
     *
     * @param file the file
     * @return the identity
     * @throws AtmosphereException naming the file and what is wrong with it
     */
    public static Identity load(Path file) {
        JsonNode json;
        try {
            json = FileFormat.read(file, FORMAT);
        } catch (NoSuchFileException e) {
            throw new AtmosphereException("No node identity at " + file + ". Run 'atmosphere init' first.");
        } catch (IOException e) {
            throw new AtmosphereException("Cannot read " + file + ": " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new AtmosphereException(file + " is corrupt: " + e.getMessage()
                    + ". Restore it from a backup, or run 'atmosphere init --force' to make a new identity.", e);
        }
        try {
            byte[] pkcs8 = Base64.getDecoder().decode(json.path("privateKey").asText());
            PrivateKey priv = KeyFactory.getInstance("Ed25519").generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
            PublicKey pub = publicKeyOf(Base64.getDecoder().decode(json.path("publicKey").asText()));
            Identity identity = new Identity(json.path("name").asText("atmosphere"),
                    Instant.parse(json.path("createdAt").asText()), new KeyPair(pub, priv));
            byte[] probe = "atmosphere-identity-check".getBytes(StandardCharsets.UTF_8);
            if (!verify(pub, probe, identity.sign(probe))) {
                throw new IllegalArgumentException("the private key does not match the public key");
            }
            if (!identity.nodeId.equals(json.path("nodeId").asText())) {
                throw new IllegalArgumentException("nodeId does not match the public key");
            }
            return identity;
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new AtmosphereException(file + " is corrupt: " + e.getMessage()
                    + ". Restore it from a backup, or run 'atmosphere init --force' to make a new identity.", e);
        }
    }

    @Override
    public String toString() {
        return "Identity[nodeId=" + nodeId + ", name=" + name + "]";
    }
}
