package dev.pgwarden.sidecar.exchange;

/**
 * An approved statement about to run: the approval learns whether it ran, so a reviewer sees the
 * request as Executed or Failed.
 */
public interface ApprovedRun {
    /** @param succeeded the statement completed; false when it failed or never ran */
    void executed(boolean succeeded);
}
