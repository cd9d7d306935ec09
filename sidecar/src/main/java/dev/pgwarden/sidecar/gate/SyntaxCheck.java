package dev.pgwarden.sidecar.gate;

import dev.pgwarden.sidecar.exchange.Exchange;
import dev.pgwarden.sidecar.exchange.HiddenResult;
import dev.pgwarden.sidecar.protocol.Messages;
import dev.pgwarden.sidecar.protocol.SqlState;
import dev.pgwarden.sidecar.protocol.message.ReadyForQuery;
import java.util.function.Consumer;

/**
 * Asks PostgreSQL whether it can parse a statement pgwarden could not read, before the statement
 * goes to {@code onUnparseable}: a statement the server rejects as a syntax error gets the
 * server's own 42601 (a typo needs no reviewer), one it accepts is judged as unparseable. The
 * check is a Parse of a statement of pgwarden's own, closed at once: it runs nothing. Inside the
 * client's transaction it sits in a savepoint rolled back afterwards, so a failure of the check
 * leaves the transaction as it was.
 */
final class SyntaxCheck {
    private static final String STATEMENT = ReservedNames.PREFIX + "syntax_check";
    private static final String SAVEPOINT = STATEMENT;

    private final Exchange exchange;
    private final GateOutput out;

    SyntaxCheck(Exchange exchange, GateOutput out) {
        this.exchange = exchange;
        this.out = out;
    }

    /** Whether the server is where a check can run now (idle or in a transaction; not in a failed one). */
    boolean possible() {
        return exchange.transactionStatus() != ReadyForQuery.FAILED_TRANSACTION;
    }

    /** Sends the check; {@code done} gets the server's verdict on the text. */
    void check(String sql, Consumer<HiddenResult> done) {
        boolean inTransaction = exchange.transactionStatus() == ReadyForQuery.IN_TRANSACTION;
        if (inTransaction) {
            out.toServer(Messages.query(out.alloc(), "SAVEPOINT " + SAVEPOINT));
            exchange.hidden(false, r -> {});
        }
        out.toServer(Messages.parseCheck(out.alloc(), STATEMENT, sql));
        exchange.hidden(false, done);
        if (inTransaction) {
            out.toServer(Messages.query(
                    out.alloc(), "ROLLBACK TO SAVEPOINT " + SAVEPOINT + "; RELEASE SAVEPOINT " + SAVEPOINT));
            exchange.hidden(false, r -> {});
        }
    }

    /** Whether the server rejected the text as a syntax error. */
    static boolean syntaxError(HiddenResult r) {
        return SqlState.SYNTAX_ERROR.equals(r.sqlState());
    }
}
