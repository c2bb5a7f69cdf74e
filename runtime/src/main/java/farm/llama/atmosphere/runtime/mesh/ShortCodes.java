package farm.llama.atmosphere.runtime.mesh;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Short codes for joining on a LAN: {@code K7QM-2X9P-LR4T}, twelve symbols of Crockford's base32
 * (no I, L, O, U), 60 random bits, mapped to one invite on its issuer and expiring with it.
 *
 * <p>The code never travels. The joiner finds issuers over mDNS and sends each a lookup value,
 * {@code HMAC-SHA256(code, "lookup")} cut to 64 bits, and a nonce; the issuer that holds the code
 * answers with the invite token and {@code HMAC-SHA256(code, nonce_j | nonce_i | token)}, which the
 * joiner checks before trusting the token (whose signature then pins the mesh key as usual). A
 * listener learns neither the code nor a way to test guesses faster than asking the issuer, which
 * limits attempts.
 */
public final class ShortCodes {

    private static final String ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    private static final SecureRandom RANDOM = new SecureRandom();
    /** Random bits in a code. */
    public static final int BITS = 60;

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

    /** @return the proof an issuer sends with the token, hex */
    public static String proof(String code, String joinerNonce, String issuerNonce, String token) {
        return HexFormat.of().formatHex(hmac(code, "atmosphere-code|" + joinerNonce + "|" + issuerNonce + "|" + token));
    }

    /** @return whether a proof is right, compared in constant time */
    public static boolean verify(String code, String joinerNonce, String issuerNonce, String token, String proof) {
        return MessageDigest.isEqual(proof(code, joinerNonce, issuerNonce, token).getBytes(StandardCharsets.US_ASCII),
                proof.getBytes(StandardCharsets.US_ASCII));
    }

    /** @return a fresh nonce, 32 hex characters */
    public static String nonce() {
        byte[] b = new byte[16];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    private static byte[] hmac(String code, String message) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(code.getBytes(StandardCharsets.US_ASCII), "HmacSHA256"));
            return mac.doFinal(message.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
