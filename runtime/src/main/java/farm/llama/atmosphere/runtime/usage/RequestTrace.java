package farm.llama.atmosphere.runtime.usage;

import farm.llama.atmosphere.runtime.api.RequestRecord;
import farm.llama.atmosphere.spi.routing.RouteDecision;
import java.util.List;
import java.util.Optional;

/**
 * One request of the OpenAI-compatible API as it happens: what served it, when its first chunk
 * came, its tokens and how it ended. {@link #end()} records it once. Used by the thread serving
 * the request only.
 */
public final class RequestTrace {

    /** Runners-up kept with a request's decision. */
    static final int RUNNERS_UP = 5;

    private final RequestLog log;
    private final String requestId;
    private final String at;
    private final String client;
    private final String endpoint;
    private String modelAsked = "";
    private boolean stream;
    private final boolean keepText;
    private final long startNanos = System.nanoTime();
    private String route = "";
    private String node = "";
    private String model = "";
    private List<String> failover = List.of();
    private RouteDecision decision;
    private long firstTokenNanos = -1;
    private int tokensIn;
    private int tokensOut;
    private int status = 200;
    private String error;
    private String prompt;
    private StringBuilder answer;
    private boolean ended;

    RequestTrace(RequestLog log, String requestId, String at, String client, String endpoint, boolean keepText) {
        this.log = log;
        this.requestId = requestId;
        this.at = at;
        this.client = client;
        this.endpoint = endpoint;
        this.keepText = keepText;
    }

    /** What the client asked for, once its body is read ("" until then: a body that cannot be read is recorded so). */
    public void asked(String model, boolean stream) {
        this.modelAsked = model;
        this.stream = stream;
    }

    /** @return this request's id */
    public String requestId() {
        return requestId;
    }

    /** @return whether the texts are kept: only then are {@link #prompt} and {@link #answer} worth calling */
    public boolean keepsText() {
        return keepText;
    }

    /** What served it, after any failover; the decision (null for none) is kept with its best {@link #RUNNERS_UP} runners-up. */
    public void served(String route, String node, String model, List<String> failover, RouteDecision decision) {
        this.route = route;
        this.node = node;
        this.model = model;
        this.failover = List.copyOf(failover);
        this.decision = decision == null || decision.runnersUp().size() <= RUNNERS_UP ? decision
                : new RouteDecision(decision.winner(), decision.runnersUp().subList(0, RUNNERS_UP), decision.reason(), decision.tasks());
    }

    /** The first chunk of the answer is here (the first call counts). */
    public void firstToken() {
        if (firstTokenNanos < 0) {
            firstTokenNanos = System.nanoTime();
        }
    }

    /** The tokens as the backend counted them. */
    public void tokens(int in, int out) {
        tokensIn = Math.max(0, in);
        tokensOut = Math.max(0, out);
    }

    /** It failed: with this status (a broken stream keeps its 200) and why. */
    public void failed(int status, String why) {
        this.status = status;
        this.error = why;
    }

    /** The prompt's text (kept only when texts are kept). */
    public void prompt(String text) {
        if (keepText) {
            prompt = text;
        }
    }

    /** More of the answer's text (kept only when texts are kept). */
    public void answer(String text) {
        if (keepText && text != null) {
            if (answer == null) {
                answer = new StringBuilder();
            }
            answer.append(text);
        }
    }

    /** Records it (once; what is reported after that is not). */
    public void end() {
        if (ended) {
            return;
        }
        ended = true;
        long now = System.nanoTime();
        log.completed(new RequestRecord(requestId, at, client, endpoint, stream, modelAsked, route, node, model, failover,
                firstTokenNanos < 0 ? -1 : (firstTokenNanos - startNanos) / 1_000_000, (now - startNanos) / 1_000_000, tokensIn, tokensOut, status,
                Optional.ofNullable(error), Optional.ofNullable(prompt), Optional.ofNullable(answer).map(StringBuilder::toString)), decision);
    }
}
