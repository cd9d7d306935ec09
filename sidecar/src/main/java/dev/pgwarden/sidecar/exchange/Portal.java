package dev.pgwarden.sidecar.exchange;

import dev.pgwarden.sidecar.masking.plan.MaskPlan;
import dev.pgwarden.sidecar.protocol.message.RowDescription;
import dev.pgwarden.sidecar.sql.Classification;
import java.util.List;

/**
 * A portal as pgwarden knows it: bound by a Bind message from a prepared statement, or declared
 * as an SQL cursor (the server keeps both in one namespace, so an Execute message can run a cursor
 * and FETCH can read a bound portal).
 */
public abstract sealed class Portal permits Portal.Bound, Portal.Cursor {
    /** Its result columns in the formats it sends them, once known; else null. */
    private RowDescription description;

    RowDescription description() {
        return description;
    }

    /** Whether the columns of its rows are known now. */
    public boolean described() {
        return description != null;
    }

    void described(RowDescription d) {
        description = d;
    }

    /** Whether it outlives the transaction that made it. */
    abstract boolean holdable();

    /** A portal bound from a prepared statement: it runs the statement as it was when bound. */
    public static final class Bound extends Portal {
        private final PreparedStatement statement;
        private final List<String> parameters;

        Bound(PreparedStatement statement, List<String> parameters, RowDescription description) {
            this.statement = statement;
            this.parameters = parameters;
            described(description);
        }

        public PreparedStatement statement() {
            return statement;
        }

        public List<String> parameters() {
            return parameters;
        }

        @Override
        boolean holdable() {
            return false;
        }
    }

    /** A cursor made by SQL DECLARE: FETCH and Execute return what its query returns. */
    public static final class Cursor extends Portal {
        private final String sql;
        private final Classification classification;
        private final MaskPlan plan;
        private final boolean holdable;

        Cursor(String sql, Classification classification, MaskPlan plan, boolean holdable) {
            this.sql = sql;
            this.classification = classification;
            this.plan = plan;
            this.holdable = holdable;
        }

        public String sql() {
            return sql;
        }

        public Classification classification() {
            return classification;
        }

        /** How its rows are masked; null when the policy masks nothing. */
        public MaskPlan plan() {
            return plan;
        }

        @Override
        boolean holdable() {
            return holdable;
        }
    }
}
