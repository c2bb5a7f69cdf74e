package farm.llama.atmosphere.runtime.mesh;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Short codes for joining on a LAN: {@code K7QM-2X9P-LR4T}, twelve symbols of Crockford's base32
 * (no I, L, O, U), 60 random bits, mapped to one invite on its issuer and expiring with it.
 *
 * <p>The code never travels. The joiner finds issuers over mDNS and sends each a lookup value,
 * {@code HMAC-SHA256(code, "lookup")} cut to 64 bits, and a fresh nonce; the issuer that holds the
 * code answers with its own fresh nonce and the invite token <em>encrypted</em> (AES-256-GCM) under
 * a key derived with HKDF-SHA256 from the code and both nonces (exchange version
 * {@value #EXCHANGE}). The lookup value names the invite but opens nothing: a node on the LAN that
 * poses as an issuer and relays a joiner's lookup to the real one gets only ciphertext, and the
 * GCM tag tells the joiner the answer came from whoever holds the code. (Why not a PAKE: the code
 * has 60 random bits, not a password's few, so an offline search of the ciphertext or the lookup
 * costs ~2^60 HMACs within the invite's lifetime; HKDF and AES-GCM are in the JDK.)
 */
public final class ShortCodes {

    private static final String ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    private static final SecureRandom RANDOM = new SecureRandom();
    /** Random bits in a code. */
    public static final int BITS = 60;
    /** The version of the short-code exchange: 2 since the token travels encrypted (1 sent it in the clear). */
    public static final int EXCHANGE = 2;

    private ShortCodes() {
    }

    /** @return a new code, {@code XXXX-XXXX-XXXX} */
    public static String generate() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 12; i++) {
            if (i > 0 && i % 4 == 0) {
                sb.append('-');
            }
            sb.append(ALPHABET.charAt(RANDOM.nextInt(32)));
        }
        return sb.toString();
    }

    /**
     * @param text what someone typed
     * @return the code in canonical form (upper case, dashes, O→0, I and L→1), if it is one
     */
    public static Optional<String> parse(String text) {
        String s = text.strip().toUpperCase(Locale.ROOT).replace("-", "").replace(" ", "")
                .replace('O', '0').replace('I', '1').replace('L', '1');
        if (s.length() != 12) {
            return Optional.empty();
        }
        for (char c : s.toCharArray()) {
            if (ALPHABET.indexOf(c) < 0) {
                return Optional.empty();
            }
        }
        return Optional.of(s.substring(0, 4) + "-" + s.substring(4, 8) + "-" + s.substring(8));
    }

    /** @return the value a joiner sends to find the issuer of a code: 16 hex characters */
    public static String lookup(String code) {
        return HexFormat.of().formatHex(hmac(code, "atmosphere-code-lookup")).substring(0, 16);
    }

    /**
     * The key both sides derive: HKDF-SHA256 (RFC 5869) with the code as input keying material,
     * both nonces as salt, and the exchange version and lookup as info.
     */
    static byte[] key(String code, String joinerNonce, String issuerNonce) {
        byte[] prk = hmac(("atmosphere-code-salt|" + joinerNonce + "|" + issuerNonce).getBytes(StandardCharsets.US_ASCII),
                code.getBytes(StandardCharsets.US_ASCII));
        byte[] info = ("atmosphere-code-v" + EXCHANGE + "|" + lookup(code)).getBytes(StandardCharsets.US_ASCII);
        byte[] t1 = new byte[info.length + 1];
        System.arraycopy(info, 0, t1, 0, info.length);
        t1[info.length] = 1;
        return hmac(prk, t1); // one block of output: 32 bytes, an AES-256 key
    }

    /**
     * On the issuer: the token, encrypted for whoever holds the code and sent these nonces.
     *
     * @return {@code iv} and {@code ciphertext}, base64
     */
    public static Map<String, String> seal(String code, String joinerNonce, String issuerNonce, String token) {
        byte[] iv = new byte[12];
        RANDOM.nextBytes(iv);
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key(code, joinerNonce, issuerNonce), "AES"),
                    new GCMParameterSpec(128, iv));
            c.updateAAD((joinerNonce + "|" + issuerNonce).getBytes(StandardCharsets.US_ASCII));
            byte[] sealed = c.doFinal(token.getBytes(StandardCharsets.UTF_8));
            return Map.of("iv", Base64.getEncoder().encodeToString(iv),
                    "ciphertext", Base64.getEncoder().encodeToString(sealed));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * On the joiner: the token from an issuer's answer.
     *
     * @return the token, or empty when the answer was not sealed with this code and these nonces
     */
    public static Optional<String> open(String code, String joinerNonce, String issuerNonce, String iv, String ciphertext) {
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key(code, joinerNonce, issuerNonce), "AES"),
                    new GCMParameterSpec(128, Base64.getDecoder().decode(iv)));
            c.updateAAD((joinerNonce + "|" + issuerNonce).getBytes(StandardCharsets.US_ASCII));
            return Optional.of(new String(c.doFinal(Base64.getDecoder().decode(ciphertext)), StandardCharsets.UTF_8));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** @return a fresh nonce, 32 hex characters */
    public static String nonce() {
        byte[] b = new byte[16];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    private static byte[] hmac(String code, String message) {
        return hmac(code.getBytes(StandardCharsets.US_ASCII), message.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] hmac(byte[] key, byte[] message) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(message);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
