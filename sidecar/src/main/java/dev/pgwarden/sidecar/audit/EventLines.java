package dev.pgwarden.sidecar.audit;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;

/**
 * Turns events into their sealed lines, one at a time, in a buffer kept from line to line: a
 * streaming generator writes the JSON into it and the chain's HMAC is taken over it where it lies,
 * so an event costs neither an object mapper's pass nor copies of its line. Owned by the audit
 * writer thread.
 */
final class EventLines {
    /** Lines follow each other with nothing between them but the newline this class writes. */
    private static final JsonFactory JSON =
            new JsonFactoryBuilder().rootValueSeparator((String) null).build();

    private final SessionChains chains;
    private final LineBuffer line = new LineBuffer(4096);
    private JsonGenerator json;

    EventLines(SessionChains chains) {
        this.chains = chains;
    }

    /**
     * Writes the event's sealed line, then a newline, into {@link #bytes()}: valid up to
     * {@link #length()} until the next call.
     */
    void write(AuditEvent event) throws IOException {
        line.reset();
        try {
            if (json == null) {
                json = JSON.createGenerator(line);
            }
            chains.head(event.session(), json);
            EventJson.members(event, json);
            json.writeEndObject();
            json.flush();
        } catch (IOException | RuntimeException e) {
            json = null; // it may have stopped inside the object: the next line gets a fresh generator
            throw e;
        }
        chains.sealInPlace(event.session(), line);
        line.write('\n');
    }

    byte[] bytes() {
        return line.array();
    }

    /** The line's length with its newline. */
    int length() {
        return line.size();
    }
}
