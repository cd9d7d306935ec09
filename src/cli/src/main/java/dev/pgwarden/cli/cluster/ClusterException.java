package dev.pgwarden.cli.cluster;

/** What went wrong with the cluster, worded for the person at the terminal (printed as is). */
public final class ClusterException extends Exception {
    public ClusterException(String message) {
        super(message);
    }
}
