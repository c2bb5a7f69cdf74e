package farm.llama.atmosphere.runtime.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Optional;

/**
 * A grant or removal of the admin role ({@code POST /api/v1/mesh/admins}, {@code mesh admin --json}).
 *
 * @param nodeId the member
 * @param role its role now: admin or member
 * @param expires when its admin certificate expires (a grant)
 * @param retiredAt from when its signatures no longer count (a removal)
 * @param reissued the members whose certificates it signed, re-issued on next contact (a removal)
 */
@JsonInclude(JsonInclude.Include.NON_ABSENT)
public record AdminChange(String nodeId, String role, Optional<String> expires, Optional<String> retiredAt, Optional<List<String>> reissued) {

    /** A missing optional is empty. */
    public AdminChange {
        expires = Optionals.orEmpty(expires);
        retiredAt = Optionals.orEmpty(retiredAt);
        reissued = Optionals.orEmpty(reissued).map(List::copyOf);
    }

    /**
     * @param nodeId the new admin
     * @param expires when its admin certificate expires
     * @return the grant
     */
    public static AdminChange granted(String nodeId, String expires) {
        return new AdminChange(nodeId, "admin", Optional.of(expires), Optional.empty(), Optional.empty());
    }

    /**
     * @param nodeId the former admin
     * @param retiredAt from when its signatures no longer count
     * @param reissued the members whose certificates are re-issued
     * @return the removal
     */
    public static AdminChange removed(String nodeId, String retiredAt, List<String> reissued) {
        return new AdminChange(nodeId, "member", Optional.empty(), Optional.of(retiredAt), Optional.of(reissued));
    }
}
