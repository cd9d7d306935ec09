package dev.pgwarden.sidecar;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.postgresql.copy.CopyManager;
import org.postgresql.core.BaseConnection;

/**
 * How the destructive attack tests send an attempt through a proxy and report what the client
 * saw: statements through pgjdbc in either protocol, COPY, and batches of raw protocol frames.
 */
final class AttackRunner {
    private AttackRunner() {}

    /** pgjdbc in the simple protocol, and in its extended one. */
    enum Client {
        SIMPLE(Map.of("preferQueryMode", "simple")),
        EXTENDED(Map.of());

        final Map<String, String> props;

        Client(Map<String, String> props) {
            this.props = props;
        }
    }

    /** One attempt: what it did and what the client saw, for the report of a failure. */
    @FunctionalInterface
    interface Attack {
        String run() throws Exception;
    }

    static byte[][] batch(byte[]... frames) {
        return frames;
    }

    static Properties props(Client c) {
        Properties p = new Properties();
        p.putAll(c.props);
        p.setProperty("socketTimeout", "30");
        return p;
    }

    /** Each statement on one connection, one message each, with what it answered. */
    static String jdbc(ProxyFixture f, Client client, List<String> steps) throws SQLException {
        List<String> seen = new ArrayList<>();
        try (Connection c = f.connect(props(client))) {
            for (String sql : steps) {
                seen.add(sql + " -> " + Attempts.run(c, sql));
            }
        }
        return String.join("\n    ", seen);
    }

    static String copyIn(ProxyFixture f, Client client, String sql, String data) throws SQLException {
        try (Connection c = f.connect(props(client))) {
            long n = new CopyManager(c.unwrap(BaseConnection.class)).copyIn(sql, new StringReader(data));
            return "copied " + n;
        } catch (SQLException | IOException e) {
            return "error " + e.getMessage();
        }
    }

    static String copyOut(ProxyFixture f, Client client, String sql) throws SQLException {
        try (Connection c = f.connect(props(client))) {
            StringWriter w = new StringWriter();
            long n = new CopyManager(c.unwrap(BaseConnection.class)).copyOut(sql, w);
            return "copied " + n;
        } catch (SQLException | IOException e) {
            return "error " + e.getMessage();
        }
    }

    /** Batches of frames on one raw connection, each read up to its ReadyForQuery answers. */
    static String rawRun(ProxyFixture f, byte[][]... batches) throws IOException {
        StringBuilder seen = new StringBuilder();
        try (RawClient c = new RawClient(f.port()).authenticate(f.token())) {
            for (byte[][] frames : batches) {
                int readies = 0;
                for (byte[] frame : frames) {
                    if (frame[0] == 'S' || frame[0] == 'Q') {
                        readies++;
                    }
                }
                try {
                    seen.append(Attempts.exchange(c, readies, frames)).append("\n    ");
                } catch (IOException e) {
                    seen.append("read ended: ").append(e);
                    break;
                }
            }
        }
        return seen.toString();
    }
}
