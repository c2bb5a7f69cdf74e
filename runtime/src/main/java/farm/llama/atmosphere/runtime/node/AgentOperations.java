package farm.llama.atmosphere.runtime.node;

import com.fasterxml.jackson.databind.JsonNode;
import farm.llama.atmosphere.runtime.agents.AgentService;
import farm.llama.atmosphere.runtime.agents.Triggers;
import farm.llama.atmosphere.runtime.api.AgentAnswer;
import farm.llama.atmosphere.runtime.api.AgentReport;
import farm.llama.atmosphere.runtime.api.AgentTypeReport;
import farm.llama.atmosphere.runtime.api.AgentTypes;
import farm.llama.atmosphere.runtime.api.JsonText;
import farm.llama.atmosphere.runtime.api.TriggerFired;
import farm.llama.atmosphere.runtime.api.TriggerReport;
import farm.llama.atmosphere.runtime.util.AtomicFiles;
import farm.llama.atmosphere.runtime.util.Json;
import farm.llama.atmosphere.spi.AtmosphereException;
import farm.llama.atmosphere.spi.CallFailedException;
import farm.llama.atmosphere.spi.Caller;
import farm.llama.atmosphere.spi.FailureKind;
import farm.llama.atmosphere.spi.NodeEvent;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Agents and triggers as the API offers them, for the local owner: agent types and specs added to
 * {@code agents/}, spawning, invoking, asking by meaning, stopping; triggers and firing them. The
 * API's JSON arguments become the plain maps of the agents' SPI here, checked once.
 */
public final class AgentOperations {

    private final AgentService agents;
    private final Triggers triggers;
    private final Path agentsDir;
    private final Runnable ensureScanned;
    private final Consumer<NodeEvent> events;

    /**
     * @param agents the agent service
     * @param triggers the triggers
     * @param agentsDir where added specs are kept
     * @param ensureScanned scans the backends once, if nobody has yet (agents chat)
     * @param events where {@code agent.type.added} goes
     */
    public AgentOperations(AgentService agents, Triggers triggers, Path agentsDir, Runnable ensureScanned, Consumer<NodeEvent> events) {
        this.agents = agents;
        this.triggers = triggers;
        this.agentsDir = agentsDir;
        this.ensureScanned = ensureScanned;
        this.events = events;
    }

    /**
     * @param json a JSON object as a caller sent it (blank: empty)
     * @param what what it is, for the message
     * @return it as the plain map of the agents' SPI
     * @throws CallFailedException INVALID_REQUEST when it is not a JSON object
     */
    public static Map<String, Object> object(String json, String what) {
        JsonNode n;
        try {
            n = Json.parse(json == null || json.isBlank() ? "{}" : json);
        } catch (IllegalArgumentException e) {
            throw new CallFailedException(FailureKind.INVALID_REQUEST, "'" + what + "' is " + e.getMessage());
        }
        if (!n.isObject()) {
            throw new CallFailedException(FailureKind.INVALID_REQUEST, "'" + what + "' must be a JSON object");
        }
        return Json.MAPPER.convertValue(n, Json.MAPPER.getTypeFactory().constructMapType(LinkedHashMap.class, String.class, Object.class));
    }

    /** An API value (already checked JSON: parsed once, straight into the map). */
    private static Map<String, Object> object(JsonText json, String what) {
        if (!json.isObject()) {
            throw new CallFailedException(FailureKind.INVALID_REQUEST, "'" + what + "' must be a JSON object");
        }
        try {
            return Json.MAPPER.readValue(json.json(), Json.MAPPER.getTypeFactory().constructMapType(LinkedHashMap.class, String.class, Object.class));
        } catch (IOException e) {
            throw new CallFailedException(FailureKind.INVALID_REQUEST, "'" + what + "' is not valid JSON: " + e.getMessage());
        }
    }

    /** @return the agent types and the problems of specs that did not load */
    public AgentTypes types() {
        return new AgentTypes(agents.types(), agents.problems());
    }

    /**
     * Checks a spec, keeps it in {@code agents/} and adds its type.
     *
     * @param fileName its file name ({@code my-agent.yaml})
     * @param yaml its text
     * @return the type added
     */
    public AgentTypeReport add(String fileName, String yaml) {
        String base = Path.of(fileName).getFileName().toString();
        if (!base.matches("[A-Za-z0-9][A-Za-z0-9_.-]{0,100}\\.ya?ml")) {
            throw new AtmosphereException("An agent spec file is named like 'my-agent.yaml', got '" + base + "'.");
        }
        String type = agents.check(base, yaml); // refused before anything is stored
        Path target = agentsDir.resolve(base);
        try {
            AtomicFiles.writeString(target, yaml, AtomicFiles.PRIVATE);
        } catch (IOException e) {
            throw new AtmosphereException("Cannot store the spec in " + target + ": " + e.getMessage(), e);
        }
        AgentTypeReport added = agents.install(base, yaml, target.toString());
        events.accept(new NodeEvent("agent.type.added", Instant.now(), Map.of("type", type, "file", target.toString())));
        return added;
    }

    /** @return the agents spawned here */
    public List<AgentReport> list() {
        return agents.list();
    }

    /**
     * @param type the agent type
     * @param params its spawn parameters (a JSON object)
     * @param intent a first intent, if any
     * @return the agent, with its first answer
     */
    public AgentReport spawn(String type, JsonText params, Optional<String> intent) {
        ensureScanned.run();
        AgentReport spawned = agents.spawn(type, object(params, "params"), Caller.LOCAL);
        return intent.map(i -> spawned.withAnswer(agents.invoke(spawned.id(), i, Map.of(), Caller.LOCAL))).orElse(spawned);
    }

    /**
     * @param id an agent
     * @param intent what to do
     * @param args arguments (a JSON object)
     * @return its answer
     */
    public AgentAnswer invoke(String id, String intent, JsonText args) {
        ensureScanned.run();
        return agents.invoke(id, intent, object(args, "args"), Caller.LOCAL);
    }

    /**
     * @param id an agent
     * @return it, stopped and forgotten
     */
    public AgentReport stop(String id) {
        return agents.stop(id);
    }

    /**
     * @param intent what to do
     * @param route a route hint, or blank
     * @param args arguments (a JSON object)
     * @return the answer of the agent type that fits best, here or on a member
     */
    public AgentAnswer ask(String intent, String route, JsonText args) {
        ensureScanned.run();
        if (intent == null || intent.isBlank()) {
            throw new CallFailedException(FailureKind.INVALID_REQUEST, "The intent is empty: say what should be done.");
        }
        return agents.dispatch(intent, route, object(args, "args"), Caller.LOCAL, Set.of());
    }

    /** @return the triggers with their counts */
    public List<TriggerReport> triggers() {
        return triggers.list();
    }

    /**
     * @param capability the capability whose event it is
     * @param event the event
     * @param payload its data (a JSON object)
     * @param wait whether to wait for the agent's answer
     * @return what firing did
     */
    public TriggerFired fire(String capability, String event, JsonText payload, boolean wait) {
        ensureScanned.run();
        return triggers.fire(capability, event, object(payload, "payload"), wait);
    }
}
