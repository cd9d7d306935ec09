package dev.pgwarden.sidecar;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/** The three ways pgjdbc talks to the server: every masking test runs in each. */
enum ClientMode {
    SIMPLE(Map.of("preferQueryMode", "simple")),
    EXTENDED_TEXT(Map.of("prepareThreshold", "5", "binaryTransfer", "false")),
    EXTENDED_BINARY(Map.of("prepareThreshold", "-1", "binaryTransfer", "true"));

    private final Map<String, String> props;

    ClientMode(Map<String, String> props) {
        this.props = props;
    }

    /** A connection through the fixture's proxy; a stalled stream fails after 30 s instead of hanging. */
    Connection connect(ProxyFixture f) throws SQLException {
        Properties p = new Properties();
        p.putAll(props);
        p.setProperty("socketTimeout", "30");
        return f.connect(p);
    }

    /** Every value of every row, as the client decoded it (bytes as UTF-8, so they can be searched). */
    static List<List<String>> read(ResultSet rs) throws SQLException {
        List<List<String>> out = new ArrayList<>();
        int n = rs.getMetaData().getColumnCount();
        while (rs.next()) {
            List<String> row = new ArrayList<>();
            for (int i = 1; i <= n; i++) {
                Object o = rs.getObject(i);
                row.add(
                        o == null
                                ? null
                                : o instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : o.toString());
            }
            out.add(row);
        }
        return out;
    }
}
