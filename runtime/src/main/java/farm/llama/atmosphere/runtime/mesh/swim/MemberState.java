package farm.llama.atmosphere.runtime.mesh.swim;

/** A member's state, as a node sees it. */
public enum MemberState {
    /** Answering probes. */
    ALIVE,
    /** Missed a probe; confirmed dead unless it refutes in time. */
    SUSPECT,
    /** Confirmed dead. */
    DEAD,
    /** Left on purpose. */
    LEFT
}
