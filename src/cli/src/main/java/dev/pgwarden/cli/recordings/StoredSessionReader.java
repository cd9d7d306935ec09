package dev.pgwarden.cli.recordings;

import dev.pgwarden.sidecar.recording.ObjectStore;
import dev.pgwarden.sidecar.recording.RecordingLayout;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * One session's parts in a store, read in part order. Parts are numbered from 1 without gaps and
 * the sidecar uploads a session's parts in order, so a number skipped is a part that was removed.
 * Each part is read once: a part in the store is finished and never changes, which is what lets
 * {@code replay --follow} print every event exactly once.
 */
final class StoredSessionReader implements SessionReader {
    private final ObjectStore store;
    private final String prefix;
    private final String session;
    private List<RecordingLayout.PartName> listed;
    private String folder;
    private int lastPart;

    /** @param listed the session's parts from a listing already made, or null to list them on first read */
    StoredSessionReader(ObjectStore store, String prefix, String session, List<RecordingLayout.PartName> listed) {
        this.store = store;
        this.prefix = prefix;
        this.session = session;
        this.listed = listed;
    }

    @Override
    public void readNew(RecordingVisitor visitor) throws IOException {
        List<RecordingLayout.PartName> parts = listed != null ? listed : list();
        listed = null;
        for (RecordingLayout.PartName part : parts) {
            if (part.part() <= lastPart) {
                continue;
            }
            for (int missing = lastPart + 1; missing < part.part(); missing++) {
                visitor.problem(session, RecordingLayout.partFileName(missing) + " is missing: a part was removed");
            }
            PartReader.read(store, part, visitor);
            lastPart = part.part();
            if (folder == null) {
                folder = part.key().substring(0, part.key().lastIndexOf('/') + 1);
            }
        }
    }

    /** Once the session's folder is known only it is listed, not the whole prefix (follow polls). */
    private List<RecordingLayout.PartName> list() throws IOException {
        List<RecordingLayout.PartName> parts = new ArrayList<>();
        for (String key : store.list(folder != null ? folder : prefix)) {
            RecordingLayout.PartName part = RecordingLayout.parse(key);
            if (part != null && part.session().equals(session)) {
                parts.add(part);
            }
        }
        parts.sort(Comparator.comparingInt(RecordingLayout.PartName::part));
        return parts;
    }

    @Override
    public boolean found() {
        return lastPart > 0;
    }
}
