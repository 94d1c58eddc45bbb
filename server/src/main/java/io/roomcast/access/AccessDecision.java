package io.roomcast.access;

/**
 * What the node decided about a connection or a join, from its access backend's answer. Either it is allowed,
 * with no {@link #code()} and no {@link #reason()}, or it is not, with both.
 */
public sealed interface AccessDecision permits JoinDecision, ConnectDecision {
    /** The backend answered, and said no: {@link #reason()} is the backend's reason, or says who refused. */
    String FORBIDDEN = "forbidden";
    /**
     * The backend gave no usable answer (down, slow, busy, an error status, an answer that breaks the contract):
     * the node fails closed, and {@link #reason()} says which.
     */
    String BACKEND_UNAVAILABLE = "backend-unavailable";

    boolean allowed();

    /** A stable, machine-readable cause ({@link #FORBIDDEN}, {@link #BACKEND_UNAVAILABLE}); null when allowed. */
    String code();

    /** What happened, for a person; null when allowed. */
    String reason();

    /** Checks the invariant every decision keeps. */
    static void check(boolean allowed, String code, String reason) {
        if (allowed != (code == null) || allowed != (reason == null)) {
            throw new IllegalArgumentException("a decision has a code and a reason exactly when it is not allowed"
                    + " (allowed " + allowed + ", code " + code + ", reason " + reason + ")");
        }
    }
}
