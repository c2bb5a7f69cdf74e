package farm.llama.atmosphere.spi.agent;

/** Lifecycle of an agent. */
public enum AgentState {
    /** Ready for an intent. */
    IDLE,
    /** Handling an intent. */
    RUNNING,
    /** Restored after a restart or put to sleep; wakes on the next intent. */
    SLEEPING,
    /** Closed. */
    STOPPED
}
