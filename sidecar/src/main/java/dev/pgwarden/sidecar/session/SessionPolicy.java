package dev.pgwarden.sidecar.session;

import dev.pgwarden.sidecar.runtime.LivePolicy;
import dev.pgwarden.sidecar.runtime.PolicyRuntime;

/**
 * A session's view of the live policy. It moves to the newest version only when the gate starts
 * judging a new statement, so one statement is judged, masked and audited under one version even
 * when a reload lands in the middle. Event loop only.
 */
final class SessionPolicy {
  private final LivePolicy live;
  private PolicyRuntime runtime;

  SessionPolicy(LivePolicy live) {
    this.live = live;
    this.runtime = live.runtime();
  }

  /** The version this session applies now. */
  PolicyRuntime runtime() {
    return runtime;
  }

  /**
   * Before a new statement: takes the newest valid version.
   *
   * @return why statements are refused now (the newest version is invalid), or null
   */
  String beforeStatement() {
    LivePolicy.State state = live.state();
    runtime = state.lastGood();
    return state instanceof LivePolicy.Broken broken ? broken.reason() : null;
  }
}
