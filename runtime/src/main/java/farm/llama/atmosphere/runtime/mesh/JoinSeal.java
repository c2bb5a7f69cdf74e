package farm.llama.atmosphere.runtime.mesh;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import farm.llama.atmosphere.runtime.identity.Identity;
import farm.llama.atmosphere.runtime.util.Json;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.interfaces.XECPublicKey;
import java.security.spec.NamedParameterSpec;
import java.security.spec.XECPublicKeySpec;
import java.util.Arrays;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.KDF;
import javax.crypto.KeyAgreement;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.HKDFParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Join traffic through a relay, sealed so that the relay can use none of it. The joiner seals its
 * first message (a join request with the invite token, or a short-code lookup) to the issuer's
 * X25519 key — the image of the Ed25519 key its certificate in the invite certifies — with a
 * one-time X25519 key of its own: AES-256-GCM under HKDF-SHA256 of the shared secret. Inside it
 * sends a fresh 32-byte reply key; the issuer seals every answer under it, so only the joiner
 * reads them, and only the issuer (who opened the request) could have written them.
 */
final class JoinSeal {

    /** The type of a sealed join message. */
    static final String SEALED = "sealed-join";
    /** The type of a sealed answer. */
    static final String REPLY = "sealed-reply";
    private static final String CONTEXT = "atmosphere-join-seal-v1|";
    private static final byte[] REPLY_AAD = "atmosphere-join-reply-v1".getBytes(StandardCharsets.UTF_8);
    private static final SecureRandom RANDOM = new SecureRandom();

    /**
     * @param message the sealed message to send
     * @param replyKey the key the issuer's answers are sealed under
     */
    record Sealed(ObjectNode message, byte[] replyKey) {
    }

    /**
     * @param inner the joiner's message
     * @param replyKey the key to seal answers under
     */
    record Opened(JsonNode inner, byte[] replyKey) {
    }

    private JoinSeal() {
    }

    /**
     * On the joiner: seals a message to the issuer.
     *
     * @param inner the message
     * @param issuerKey the issuer's Ed25519 key, from its certificate in the invite or its ticket
     * @param issuer the issuer's node id
     * @return what to send, and the key answers come under
     */
    static Sealed seal(JsonNode inner, PublicKey issuerKey, String issuer) {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("X25519");
            KeyPair once = g.generateKeyPair();
            PublicKey theirs = Identity.x25519(issuerKey);
            KeyAgreement ka = KeyAgreement.getInstance("X25519");
            ka.init(once.getPrivate());
            ka.doPhase(theirs, true);
            byte[] shared = ka.generateSecret();
            byte[] mine = littleEndian(((XECPublicKey) once.getPublic()).getU());
            byte[] replyKey = new byte[32];
            RANDOM.nextBytes(replyKey);
            ObjectNode plain = Json.MAPPER.createObjectNode();
            plain.set("message", inner);
            plain.put("reply", Base64.getEncoder().encodeToString(replyKey));
            byte[] iv = new byte[12];
            RANDOM.nextBytes(iv);
            byte[] key = key(shared, mine, littleEndian(((XECPublicKey) theirs).getU()), issuer);
            Arrays.fill(shared, (byte) 0);
            byte[] data = gcm(Cipher.ENCRYPT_MODE, key, iv, aad(issuer), Json.write(plain).getBytes(StandardCharsets.UTF_8));
            ObjectNode out = Json.MAPPER.createObjectNode();
            out.put("type", SEALED);
            out.put("v", 1);
            out.put("key", Base64.getEncoder().encodeToString(mine));
            out.put("iv", Base64.getEncoder().encodeToString(iv));
            out.put("data", Base64.getEncoder().encodeToString(data));
            return new Sealed(out, replyKey);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * On the issuer: opens a sealed join message.
     *
     * @param msg what arrived
     * @param issuer this node
     * @return the joiner's message and the key to answer under
     * @throws MeshSecurityException MALFORMED when it does not open
     */
    static Opened open(JsonNode msg, Identity issuer) {
        try {
            byte[] theirs = Base64.getDecoder().decode(msg.path("key").asText());
            byte[] iv = Base64.getDecoder().decode(msg.path("iv").asText());
            byte[] data = Base64.getDecoder().decode(msg.path("data").asText());
            if (theirs.length != 32 || iv.length != 12) {
                throw new IllegalArgumentException("wrong key or IV length");
            }
            PublicKey once = KeyFactory.getInstance("X25519").generatePublic(new XECPublicKeySpec(NamedParameterSpec.X25519,
                    new BigInteger(1, reversed(theirs))));
            byte[] shared = issuer.agreeX25519(once);
            byte[] mine = littleEndian(((XECPublicKey) Identity.x25519(issuer.publicKey())).getU());
            byte[] key = key(shared, theirs, mine, issuer.nodeId());
            Arrays.fill(shared, (byte) 0);
            JsonNode plain = Json.parse(new String(gcm(Cipher.DECRYPT_MODE, key, iv, aad(issuer.nodeId()), data), StandardCharsets.UTF_8));
            byte[] replyKey = Base64.getDecoder().decode(plain.path("reply").asText());
            if (replyKey.length != 32 || !plain.path("message").isObject()) {
                throw new IllegalArgumentException("no message or reply key inside");
            }
            return new Opened(plain.path("message"), replyKey);
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new MeshSecurityException(MeshSecurityException.Reason.MALFORMED,
                    "a sealed join message that does not open with this node's key");
        }
    }

    /**
     * On the issuer: seals an answer for the joiner.
     *
     * @param replyKey the key the joiner sent
     * @param answer the answer
     * @return what to send
     */
    static ObjectNode reply(byte[] replyKey, JsonNode answer) {
        byte[] iv = new byte[12];
        RANDOM.nextBytes(iv);
        try {
            byte[] data = gcm(Cipher.ENCRYPT_MODE, replyKey, iv, REPLY_AAD, Json.write(answer).getBytes(StandardCharsets.UTF_8));
            ObjectNode out = Json.MAPPER.createObjectNode();
            out.put("type", REPLY);
            out.put("iv", Base64.getEncoder().encodeToString(iv));
            out.put("data", Base64.getEncoder().encodeToString(data));
            return out;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * On the joiner: opens an answer.
     *
     * @param replyKey the key sent with the request
     * @param msg what arrived
     * @return the answer
     * @throws MeshSecurityException FORGED when it was not sealed under that key
     */
    static JsonNode openReply(byte[] replyKey, JsonNode msg) {
        try {
            byte[] iv = Base64.getDecoder().decode(msg.path("iv").asText());
            byte[] data = Base64.getDecoder().decode(msg.path("data").asText());
            return Json.parse(new String(gcm(Cipher.DECRYPT_MODE, replyKey, iv, REPLY_AAD, data), StandardCharsets.UTF_8));
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new MeshSecurityException(MeshSecurityException.Reason.FORGED, "an answer not sealed by the issuer");
        }
    }

    private static byte[] aad(String issuer) {
        return (CONTEXT + issuer).getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] key(byte[] shared, byte[] joinerKey, byte[] issuerKey, String issuer) throws GeneralSecurityException {
        byte[] salt = new byte[64];
        System.arraycopy(joinerKey, 0, salt, 0, 32);
        System.arraycopy(issuerKey, 0, salt, 32, 32);
        return KDF.getInstance("HKDF-SHA256").deriveData(HKDFParameterSpec.ofExtract().addIKM(shared).addSalt(salt)
                .thenExpand(aad(issuer), 32));
    }

    private static byte[] gcm(int mode, byte[] key, byte[] iv, byte[] aad, byte[] input) throws GeneralSecurityException {
        Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
        c.init(mode, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, iv));
        c.updateAAD(aad);
        return c.doFinal(input);
    }

    /** @return the RFC 7748 encoding of an X25519 u-coordinate: 32 bytes, little-endian */
    private static byte[] littleEndian(BigInteger u) {
        byte[] be = u.toByteArray();
        byte[] le = new byte[32];
        for (int i = 0; i < 32 && i < be.length; i++) {
            le[i] = be[be.length - 1 - i];
        }
        return le;
    }

    private static byte[] reversed(byte[] b) {
        byte[] r = new byte[b.length];
        for (int i = 0; i < b.length; i++) {
            r[i] = b[b.length - 1 - i];
        }
        return r;
    }
}
