package farm.llama.atmosphere.runtime.identity;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import farm.llama.atmosphere.runtime.util.FileModes;
import farm.llama.atmosphere.spi.AtmosphereException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdentityTest {

    @TempDir
    Path dir;

    @Test
    void nodeIdIsFirst16HexOfSha256OverTheRaw32BytePublicKey() throws Exception {
        Identity id = Identity.generate("n1");
        byte[] raw = Identity.rawPublicKey(id.publicKey());
        assertEquals(32, raw.length);
        String expected = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(raw)).substring(0, 16);
        assertEquals(expected, id.nodeId());
        // not the hash of the X.509 encoding
        String x509 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(id.publicKey().getEncoded())).substring(0, 16);
        assertNotEquals(x509, id.nodeId());
    }

    @Test
    void knownVectorFromRfc8032() {
        // RFC 8032 test 1 public key
        byte[] raw = HexFormat.of().parseHex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
        assertEquals(Identity.nodeIdOf(raw), Identity.nodeIdOf(Identity.rawPublicKey(Identity.publicKeyOf(raw))));
        assertEquals(16, Identity.nodeIdOf(raw).length());
    }

    @Test
    void signaturesVerifyAndForgeriesDoNot() {
        Identity a = Identity.generate("a");
        Identity b = Identity.generate("b");
        byte[] msg = "hello mesh".getBytes(StandardCharsets.UTF_8);
        byte[] sig = a.sign(msg);
        assertTrue(Identity.verify(a.publicKey(), msg, sig));
        assertFalse(Identity.verify(b.publicKey(), msg, sig), "another key must not verify");
        byte[] tampered = msg.clone();
        tampered[0] ^= 1;
        assertFalse(Identity.verify(a.publicKey(), tampered, sig), "a changed message must not verify");
        sig[5] ^= 1;
        assertFalse(Identity.verify(a.publicKey(), msg, sig), "a changed signature must not verify");
    }

    @Test
    void savedWithMode0600AndLoadsBackTheSameKey() throws Exception {
        Identity id = Identity.generate("laptop");
        Path file = dir.resolve("identity.json");
        id.save(file);
        FileModes.assertPrivate(file);
        Identity back = Identity.load(file);
        assertEquals(id.nodeId(), back.nodeId());
        assertEquals("laptop", back.name());
        byte[] msg = {1, 2, 3};
        assertTrue(Identity.verify(id.publicKey(), msg, back.sign(msg)));
        assertFalse(id.toString().contains(Base64.getEncoder().encodeToString(id.publicKey().getEncoded())));
        assertFalse(Files.readString(file).isBlank());
    }

    @Test
    void corruptOrMismatchedFilesAreRefusedWithTheFileNamed() throws Exception {
        Path file = dir.resolve("identity.json");
        Files.writeString(file, "{not json");
        AtmosphereException e = assertThrows(AtmosphereException.class, () -> Identity.load(file));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("init --force"), e.getMessage());

        Identity a = Identity.generate("a");
        a.save(file);
        String other = Identity.generate("b").publicKeyBase64();
        Files.writeString(file, Files.readString(file).replace(a.publicKeyBase64(), other));
        AtmosphereException mismatch = assertThrows(AtmosphereException.class, () -> Identity.load(file));
        assertTrue(mismatch.getMessage().contains("does not match"), mismatch.getMessage());

        AtmosphereException missing = assertThrows(AtmosphereException.class, () -> Identity.load(dir.resolve("none.json")));
        assertTrue(missing.getMessage().contains("atmosphere init"), missing.getMessage());
    }

    @Test
    void rawKeyRoundTrip() {
        Identity id = Identity.generate("x");
        byte[] raw = Identity.rawPublicKey(id.publicKey());
        assertArrayEquals(raw, Identity.rawPublicKey(Identity.publicKeyOf(raw)));
        assertThrows(IllegalArgumentException.class, () -> Identity.nodeIdOf(new byte[31]));
    }

    @Test
    void signaturesInteroperateWithTheJdksEd25519() throws Exception {
        Identity id = Identity.generate("x");
        byte[] data = "the same bytes".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        java.security.Signature jdk = java.security.Signature.getInstance("Ed25519");
        jdk.initVerify(id.publicKey());
        jdk.update(data);
        org.junit.jupiter.api.Assertions.assertTrue(jdk.verify(id.sign(data)), "the JDK accepts what this node signs");
        java.security.KeyPair other = java.security.KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        jdk.initSign(other.getPrivate());
        jdk.update(data);
        byte[] sig = jdk.sign();
        org.junit.jupiter.api.Assertions.assertTrue(Identity.verify(other.getPublic(), data, sig), "this node accepts what the JDK signs");
        sig[5] ^= 1;
        org.junit.jupiter.api.Assertions.assertFalse(Identity.verify(other.getPublic(), data, sig));
        org.junit.jupiter.api.Assertions.assertFalse(Identity.verify(other.getPublic(), data, new byte[3]));
    }

    @Test
    void twoNodesDeriveTheSameX25519SecretFromTheirEd25519KeysAndNobodyElseDoes() {
        Identity a = Identity.generate("a");
        Identity b = Identity.generate("b");
        Identity c = Identity.generate("c");
        byte[] ab = a.agree(b.publicKey());
        org.junit.jupiter.api.Assertions.assertEquals(32, ab.length);
        // holds only if each side's Montgomery public key matches the other's private scalar
        org.junit.jupiter.api.Assertions.assertArrayEquals(ab, b.agree(a.publicKey()));
        org.junit.jupiter.api.Assertions.assertFalse(java.util.Arrays.equals(ab, c.agree(b.publicKey())));
        org.junit.jupiter.api.Assertions.assertFalse(java.util.Arrays.equals(ab, a.agree(c.publicKey())));
        // the identity point (y = 1) has no Montgomery form: refused, not a zero secret
        byte[] identityPoint = new byte[32];
        identityPoint[0] = 1;
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> a.agree(Identity.publicKeyOf(identityPoint)));
    }
}
