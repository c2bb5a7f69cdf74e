package farm.llama.atmosphere.runtime.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A capability a member offers the mesh, as its profile carries it over the wire and as
 * {@code mesh members --json} shows it.
 *
 * @param id its id on that member
 * @param backend the member's backend that serves it
 * @param type what it does ({@code llm/chat}, {@code tool/echo}, {@code agent/notifier})
 * @param name its name (a model, a tool, an agent type)
 * @param description what it is, for routing by meaning
 * @param models the models it serves
 * @param tags its tags
 * @param sizeBytes the model's size in bytes, when the backend says
 * @param parameters a tool's JSON schema, for agents on other members
 * @param permissions what a caller must hold; the asking node checks it before it asks
 * @param continues how its backend continues a trailing assistant message, when it can (see
 *                  {@link farm.llama.atmosphere.spi.discovery.Capability#CONTINUES}): members carry on
 *                  an answer whose backend died only on capabilities that say so
 */
@JsonInclude(JsonInclude.Include.NON_ABSENT)
public record SharedCapability(String id, String backend, String type, String name, String description, List<String> models, List<String> tags,
                               Optional<String> sizeBytes, Optional<String> parameters, Optional<String> permissions,
                               Optional<String> continues) {

    /** Validates: id, type and name are required; the rest defaults to empty. */
    public SharedCapability {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(name, "name");
        backend = backend == null ? "" : backend;
        description = description == null ? "" : description;
        models = models == null ? List.of() : List.copyOf(models);
        tags = tags == null ? List.of() : List.copyOf(tags);
        sizeBytes = Optionals.orEmpty(sizeBytes);
        parameters = Optionals.orEmpty(parameters);
        permissions = Optionals.orEmpty(permissions);
        continues = Optionals.orEmpty(continues);
    }
}
