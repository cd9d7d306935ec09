package dev.pgwarden.sidecar.gate;

import dev.pgwarden.api.v1alpha1.StatementKind;
import dev.pgwarden.sidecar.sql.Classification;
import dev.pgwarden.sidecar.sql.StatementReason;
import dev.pgwarden.sidecar.sql.Target;

/**
 * One session's reasons, in the order its statements are about to run: a statement's own leading
 * comment, else what the last {@code SET pgwarden.reason} said. The SET itself passes to the
 * server like any custom setting (so {@code SHOW pgwarden.reason} answers); pgwarden remembers
 * its value from the point the statement is let through, and RESET, RESET ALL and DISCARD ALL
 * forget it.
 */
final class AgentReasons {
    private String session;

    /** The reason for a statement about to run, after taking in what it does to the session's reason. */
    String next(Classification c, String sql) {
        if (sql == null) {
            return session;
        }
        if (c.kind() == StatementKind.SET && c.target() instanceof Target.Setting setting) {
            if (setting.name().equals(StatementReason.SETTING)) {
                session = StatementReason.setValue(sql);
            } else if (setting.all()) {
                session = null; // RESET ALL
            }
        } else if (c.target() instanceof Target.Discard discard && discard.all()) {
            session = null;
        }
        String own = StatementReason.leading(sql);
        return own != null ? own : session;
    }
}
