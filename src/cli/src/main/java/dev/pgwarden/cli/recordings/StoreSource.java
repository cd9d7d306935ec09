package dev.pgwarden.cli.recordings;

import dev.pgwarden.sidecar.recording.ObjectStore;
import dev.pgwarden.sidecar.recording.RecordingLayout;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Recordings in an object store (a bucket or a directory) below a prefix. */
final class StoreSource implements RecordingSource {
    private final ObjectStore store;
    private final String prefix;
    private final String description;

    /**
     * @param prefix as the recorder was given it ("" for none)
     * @param description how the user named it, for messages
     */
    StoreSource(ObjectStore store, String prefix, String description) {
        this.store = store;
        this.prefix = RecordingLayout.normalizePrefix(prefix);
        this.description = description;
    }

    /** Lists the prefix once and reads the sessions one after the other, in key order (by day). */
    @Override
    public void readAll(RecordingVisitor visitor) throws IOException {
        Map<String, List<RecordingLayout.PartName>> sessions = new LinkedHashMap<>();
        for (String key : store.list(prefix)) {
            RecordingLayout.PartName part = RecordingLayout.parse(key);
            if (part != null) {
                sessions.computeIfAbsent(part.session(), s -> new ArrayList<>()).add(part);
            }
        }
        for (Map.Entry<String, List<RecordingLayout.PartName>> session : sessions.entrySet()) {
            session.getValue().sort(Comparator.comparingInt(RecordingLayout.PartName::part));
            new StoredSessionReader(store, prefix, session.getKey(), session.getValue()).readNew(visitor);
        }
    }

    @Override
    public SessionReader reader(String session) {
        return new StoredSessionReader(store, prefix, session, null);
    }

    @Override
    public String describe() {
        return description;
    }

    @Override
    public void close() {
        store.close();
    }
}
