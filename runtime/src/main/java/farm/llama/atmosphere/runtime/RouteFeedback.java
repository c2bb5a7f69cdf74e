package farm.llama.atmosphere.runtime;

import farm.llama.atmosphere.spi.routing.RouteDecision;

/**
 * What route feedback did: the intent became an example of the right task on this node.
 *
 * @param task the task it now teaches
 * @param intent the intent
 * @param learned how many examples this node has learned for that task
 * @param decision where the intent goes now
 */
public record RouteFeedback(String task, String intent, int learned, RouteDecision decision) {
}
