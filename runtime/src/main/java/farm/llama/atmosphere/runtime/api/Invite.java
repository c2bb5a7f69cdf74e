package farm.llama.atmosphere.runtime.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Optional;

/**
 * An invite this node issued ({@code POST /api/v1/mesh/invites}, {@code mesh invite --json}).
 *
 * @param code its LAN short code
 * @param token the signed token
 * @param link the {@code atmosphere://join/} link that carries the token
 * @param id the invite's id
 * @param expiresAt when it expires (ISO-8601)
 * @param uses how many joins it admits
 * @param note a warning for the issuer (this node is not serving, so nobody can redeem it yet)
 */
@JsonInclude(JsonInclude.Include.NON_ABSENT)
public record Invite(String code, String token, String link, String id, String expiresAt, int uses, Optional<String> note) {

    /** A missing note is empty. */
    public Invite {
        note = Optionals.orEmpty(note);
    }
}
