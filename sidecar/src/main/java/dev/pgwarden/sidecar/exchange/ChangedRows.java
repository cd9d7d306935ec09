package dev.pgwarden.sidecar.exchange;

import dev.pgwarden.api.v1alpha1.StatementKind;
import dev.pgwarden.sidecar.protocol.message.CommandComplete;

/**
 * How many rows a completed statement changed, read from its command tag: INSERT, UPDATE, DELETE
 * and MERGE say so; COPY does for COPY ... FROM (a COPY ... TO's count is of rows read). Rows changed
 * by triggers, rules, cascades or functions a statement calls are not in any tag and are not counted.
 */
final class ChangedRows {
    private ChangedRows() {}

    static long of(String tag, StatementDecision decision) {
        if (tag == null) {
            return 0;
        }
        boolean counts = tag.startsWith("INSERT ")
                || tag.startsWith("UPDATE ")
                || tag.startsWith("DELETE ")
                || tag.startsWith("MERGE ")
                || tag.startsWith("COPY ")
                        && decision != null
                        && decision.classification().hasEffect(StatementKind.COPY_FROM);
        if (!counts) {
            return 0;
        }
        Long n = CommandComplete.rows(tag);
        return n == null ? 0 : n;
    }
}
