package dev.pgwarden.sidecar;

import dev.pgwarden.testkit.TestPostgres;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * What an attacker's statement got back through the proxy, as text a test can search: the rows of
 * every result, the SQLSTATE and message of an error. Attacks are run for their side effects; the
 * client's view is kept to say what happened when a test fails.
 */
final class Attempts {
    private Attempts() {}

    /** Runs {@code sql} with pgjdbc; an error is part of the answer, not a failure of the test. */
    static String run(Connection c, String sql) {
        StringBuilder out = new StringBuilder();
        try (Statement s = c.createStatement()) {
            s.setQueryTimeout(15);
            boolean rs = s.execute(sql);
            while (true) {
                if (rs) {
                    try (ResultSet r = s.getResultSet()) {
                        out.append("rows=").append(ClientMode.read(r)).append(' ');
                    }
                } else if (s.getUpdateCount() == -1) {
                    break;
                } else {
                    out.append("count=").append(s.getUpdateCount()).append(' ');
                }
                rs = s.getMoreResults();
            }
            out.append("ok");
        } catch (SQLException e) {
            out.append("error ").append(e.getSQLState()).append(": ").append(e.getMessage());
        }
        return out.toString();
    }

    /**
     * A raw connection straight to PostgreSQL, past the proxy, as the role the server trusts: what
     * the server itself does with a sequence of messages, which the attacks through the proxy rest on.
     */
    static RawClient direct() throws IOException {
        RawClient c = new RawClient(TestPostgres.shared().port());
        c.send(RawClient.startupPacket(3 << 16, "user", TestPostgres.TRUST_USER, "database", TestPostgres.DATABASE));
        untilReady(c);
        return c;
    }

    /** Sends frames, then reads the answers up to {@code readyForQueries} ReadyForQuery messages. */
    static String exchange(RawClient c, int readyForQueries, byte[]... frames) throws IOException {
        c.send(dev.pgwarden.sidecar.protocol.Frames.concat(frames));
        List<RawClient.Message> all = new ArrayList<>();
        for (int i = 0; i < readyForQueries; i++) {
            all.addAll(untilReady(c));
        }
        return describe(all);
    }

    /** Every message up to and including the next ReadyForQuery. */
    static List<RawClient.Message> untilReady(RawClient c) throws IOException {
        List<RawClient.Message> out = new ArrayList<>();
        while (true) {
            RawClient.Message m = c.read();
            out.add(m);
            if (m.type() == 'Z') {
                return out;
            }
        }
    }

    /** Messages as text: errors by SQLSTATE and message, others by type and printable body. */
    static String describe(List<RawClient.Message> messages) {
        StringBuilder b = new StringBuilder();
        for (RawClient.Message m : messages) {
            if (m.type() == 'E' || m.type() == 'N') {
                b.append(m.type())
                        .append('[')
                        .append(m.fields().get('C'))
                        .append(' ')
                        .append(m.fields().get('M'))
                        .append("] ");
            } else {
                b.append(m.type())
                        .append('[')
                        .append(new String(m.body(), StandardCharsets.UTF_8).replace('\0', '|'))
                        .append("] ");
            }
        }
        return b.toString();
    }

    /** The SQLSTATEs of the errors among {@code messages}. */
    static List<String> errors(List<RawClient.Message> messages) {
        return messages.stream()
                .filter(m -> m.type() == 'E')
                .map(m -> m.fields().get('C'))
                .toList();
    }
}
