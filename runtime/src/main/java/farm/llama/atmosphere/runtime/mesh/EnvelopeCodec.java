package farm.llama.atmosphere.runtime.mesh;

import farm.llama.atmosphere.runtime.identity.Identity;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.KDF;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.HKDFParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs and encodes envelopes: {@code "ATM"}, version, mesh id, from, to, type, timestamp, nonce,
 * certificate chain, payload — then the sender's Ed25519 signature over the SHA-256 of every byte
 * before it (see {@link #signed}).
 * Stateless apart from the sender's identity and certificate; thread-safe.
 */
public final class EnvelopeCodec {

    static final byte[] MAGIC = {'A', 'T', 'M'};
    private static final int MAX_FIELD = 16 * 1024 * 1024;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Identity identity;
    private final String meshId;
    private final List<byte[]> chain;
    private final Clock clock;

    /**
     * @param identity this node (signs)
     * @param chain this node's membership certificate chain, leaf first
     * @param clock the clock for timestamps
     */
    public EnvelopeCodec(Identity identity, List<X509Certificate> chain, Clock clock) {
        this.identity = identity;
        this.meshId = MeshCertificates.meshIdOf(chain.get(0));
        this.clock = clock;
        List<byte[]> der = new ArrayList<>();
        try {
            for (X509Certificate c : chain) {
                der.add(c.getEncoded());
            }
        } catch (CertificateEncodingException e) {
            throw new IllegalArgumentException(e);
        }
        this.chain = List.copyOf(der);
    }

    /**
     * @param to the recipient's node id, or "" for any member
     * @param type the message type
     * @param payload the content
     * @return the signed bytes
     */
    public byte[] seal(String to, String type, byte[] payload) {
        byte[] nonce = new byte[16];
        RANDOM.nextBytes(nonce);
        Envelope e = new Envelope(Envelope.VERSION, meshId, identity.nodeId(), to, type, clock.millis(), nonce, chain, payload);
        byte[] body = body(e);
        byte[] sig = identity.sign(signed(body, body.length));
        byte[] out = Arrays.copyOf(body, body.length + sig.length);
        System.arraycopy(sig, 0, out, body.length, sig.length);
        return out;
    }

    /**
     * Seals a message end-to-end for one member and signs it: the outer envelope has type
     * {@value #SEALED}; its payload is AES-256-GCM over the real type and payload, with a key and
     * IV from HKDF-SHA256 over the X25519 secret the two members share (salt: the envelope's
     * nonce, so every envelope has its own key), and the envelope header — magic, version, mesh,
     * sender, recipient, type, timestamp, nonce — as associated data. A relay sees who talks to
     * whom and how much, never what.
     *
     * @param to the recipient's node id
     * @param type the message type
     * @param payload the content
     * @param shared the X25519 secret this node shares with the recipient ({@link Identity#agree})
     * @return the signed bytes
     */
    public byte[] seal(String to, String type, byte[] payload, byte[] shared) {
        byte[] nonce = new byte[16];
        RANDOM.nextBytes(nonce);
        Envelope outer = new Envelope(Envelope.VERSION, meshId, identity.nodeId(), to, SEALED, clock.millis(), nonce, chain, new byte[0]);
        byte[] inner;
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(payload.length + 64);
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeUTF(type);
            out.write(payload);
            inner = bytes.toByteArray();
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        byte[] box = gcm(Cipher.ENCRYPT_MODE, shared, outer, inner);
        Envelope e = new Envelope(outer.version(), meshId, outer.from(), to, SEALED, outer.timestamp(), nonce, chain, box);
        byte[] body = body(e);
        byte[] sig = identity.sign(signed(body, body.length));
        byte[] out = Arrays.copyOf(body, body.length + sig.length);
        System.arraycopy(sig, 0, out, body.length, sig.length);
        return out;
    }

    /**
     * Opens a sealed envelope that was verified already.
     *
     * @param e the verified envelope, of type {@value #SEALED}
     * @param shared the X25519 secret this node shares with the sender
     * @return the envelope with the real type and payload
     * @throws MeshSecurityException FORGED if the payload does not open (altered, or sealed for another member)
     */
    static Envelope open(Envelope e, byte[] shared) {
        byte[] inner;
        try {
            inner = gcm(Cipher.DECRYPT_MODE, shared, e, e.payload());
        } catch (IllegalStateException ex) {
            throw new MeshSecurityException(MeshSecurityException.Reason.FORGED,
                    "a sealed message from " + e.from() + " does not open: " + ex.getMessage());
        }
        try {
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(inner));
            String type = in.readUTF();
            byte[] payload = in.readAllBytes();
            return new Envelope(e.version(), e.meshId(), e.from(), e.to(), type, e.timestamp(), e.nonce(), e.chain(), payload);
        } catch (IOException ex) {
            throw new MeshSecurityException(MeshSecurityException.Reason.MALFORMED, "a sealed message from " + e.from() + " is malformed");
        }
    }

    private static final byte[] SEAL_INFO = utf8("atmosphere-seal-v1");

    private static byte[] gcm(int mode, byte[] shared, Envelope header, byte[] input) {
        try {
            KDF hkdf = KDF.getInstance("HKDF-SHA256");
            byte[] okm = hkdf.deriveData(HKDFParameterSpec.ofExtract()
                    .addIKM(shared).addSalt(header.nonce()).thenExpand(SEAL_INFO, 44));
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(mode, new SecretKeySpec(okm, 0, 32, "AES"),
                    new GCMParameterSpec(128, okm, 32, 12));
            Arrays.fill(okm, (byte) 0);
            c.updateAAD(header(header));
            return c.doFinal(input);
        } catch (AEADBadTagException ex) {
            throw new IllegalStateException("authentication tag mismatch");
        } catch (GeneralSecurityException ex) {
            throw new IllegalStateException(ex.getMessage(), ex);
        }
    }

    /** The envelope type of a message sealed end-to-end. */
    public static final String SEALED = "sealed";

    /** @return the header of an envelope: every field before the certificate chain, as {@link #body} writes them */
    static byte[] header(Envelope e) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(128);
            writeHeader(new DataOutputStream(bytes), e);
            return bytes.toByteArray();
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    private static void writeHeader(DataOutputStream out, Envelope e) throws IOException {
        out.write(MAGIC);
        out.writeByte(e.version());
        out.writeUTF(e.meshId());
        out.writeUTF(e.from());
        out.writeUTF(e.to());
        out.writeUTF(e.type());
        out.writeLong(e.timestamp());
        out.write(e.nonce());
        out.flush();
    }

    static byte[] body(Envelope e) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(256 + e.payload().length);
            DataOutputStream out = new DataOutputStream(bytes);
            writeHeader(out, e);
            out.writeByte(e.chain().size());
            for (byte[] c : e.chain()) {
                out.writeInt(c.length);
                out.write(c);
            }
            out.writeInt(e.payload().length);
            out.write(e.payload());
            out.flush();
            return bytes.toByteArray();
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    private static final byte[] SIGNING_CONTEXT = utf8("atmosphere-envelope-v" + Envelope.VERSION + "|");

    /**
     * What the sender's key signs: a context string and the SHA-256 of every envelope byte before
     * the signature. Hashing first with the JDK's SHA-256 keeps the cost of a large envelope (a
     * model file chunk) at one fast pass over it on each side; Ed25519 then signs 55 bytes.
     *
     * @param bytes the envelope
     * @param length how many of its bytes are signed (the signature starts there)
     * @return the bytes to sign or verify
     */
    static byte[] signed(byte[] bytes, int length) {
        MessageDigest d;
        try {
            d = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException ex) {
            throw new IllegalStateException(ex);
        }
        d.update(bytes, 0, length);
        byte[] digest = d.digest();
        byte[] out = Arrays.copyOf(SIGNING_CONTEXT, SIGNING_CONTEXT.length + digest.length);
        System.arraycopy(digest, 0, out, SIGNING_CONTEXT.length, digest.length);
        return out;
    }

    /**
     * Parses without verifying.
     *
     * @param bytes the signed bytes
     * @return the envelope and the offset where its signature starts
     * @throws MeshSecurityException MALFORMED
     */
    static Parsed parse(byte[] bytes) {
        try {
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes));
            byte[] magic = in.readNBytes(3);
            if (!Arrays.equals(magic, MAGIC)) {
                throw new MeshSecurityException(MeshSecurityException.Reason.MALFORMED, "not an Atmosphere envelope");
            }
            int version = in.readUnsignedByte();
            if (version != Envelope.VERSION) {
                throw new MeshSecurityException(MeshSecurityException.Reason.VERSION,
                        "the peer speaks protocol version " + version + ", this node speaks version " + Envelope.VERSION
                                + "; members of a mesh must run the same version of Atmosphere (upgrade the older one)");
            }
            String meshId = in.readUTF();
            String from = in.readUTF();
            String to = in.readUTF();
            String type = in.readUTF();
            long ts = in.readLong();
            byte[] nonce = in.readNBytes(16);
            int n = in.readUnsignedByte();
            List<byte[]> chain = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                chain.add(field(in));
            }
            byte[] payload = field(in);
            int signatureAt = bytes.length - in.available();
            if (in.available() != 64) {
                throw new MeshSecurityException(MeshSecurityException.Reason.MALFORMED, "envelope signature missing or truncated");
            }
            return new Parsed(new Envelope(version, meshId, from, to, type, ts, nonce, chain, payload), signatureAt);
        } catch (IOException | IllegalArgumentException e) {
            throw new MeshSecurityException(MeshSecurityException.Reason.MALFORMED, "truncated or corrupt envelope: " + e.getMessage());
        }
    }

    private static byte[] field(DataInputStream in) throws IOException {
        int len = in.readInt();
        if (len < 0 || len > MAX_FIELD || len > in.available()) {
            throw new IOException("field length " + len + " out of range");
        }
        return in.readNBytes(len);
    }

    /** @param envelope the envelope @param signatureAt where the signature starts */
    record Parsed(Envelope envelope, int signatureAt) {
    }

    /** @return {@code s} as UTF-8 */
    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
