package dev.pgwarden.sidecar.gate;

import dev.pgwarden.sidecar.policy.live.LivePolicy;
import dev.pgwarden.sidecar.policy.live.PolicyVersion;

/**
 * The policy version one session applies, pinned per statement. It moves to the newest version only when the gate starts
 * judging a new statement, so one statement is judged, masked and audited under one version even
 * when a reload lands in the middle. Event loop only.
 */
public final class PolicyPin {
    private final LivePolicy live;
    private PolicyVersion version;

    public PolicyPin(LivePolicy live) {
        this.live = live;
        this.version = live.version();
    }

    /** The version this session applies now. */
    public PolicyVersion version() {
        return version;
    }

    /**
     * Before a new statement: takes the newest valid version.
     *
     * @return why statements are refused now (the newest version is invalid), or null
     */
    String beforeStatement() {
        LivePolicy.State state = live.state();
        version = state.lastGood();
        return state instanceof LivePolicy.Broken broken ? broken.reason() : null;
    }
}
