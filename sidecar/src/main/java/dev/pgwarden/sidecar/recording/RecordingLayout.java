package dev.pgwarden.sidecar.recording;

import java.time.LocalDate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where a session's parts live: {@code PREFIX yyyy/MM/dd/SESSION/part-000001.jsonl.gz}, dated by
 * the day the session started (UTC). The date folders keep a listing of one day cheap; the
 * zero-padded part number keeps a session's parts in order under a plain lexical sort.
 */
public final class RecordingLayout {
    private static final Pattern PART =
            Pattern.compile("(?:^|.*/)(\\d{4}/\\d{2}/\\d{2})/([A-Za-z0-9_-]+)/part-(\\d{6})\\.jsonl\\.gz$");

    private RecordingLayout() {}

    /** The part's path below the prefix. */
    public static String partPath(LocalDate day, String session, int part) {
        return sessionFolder(day, session) + partFileName(part);
    }

    /** The folder below the prefix that holds a session's parts, ending with '/'. */
    public static String sessionFolder(LocalDate day, String session) {
        return String.format("%04d/%02d/%02d/%s/", day.getYear(), day.getMonthValue(), day.getDayOfMonth(), session);
    }

    /** A part's file name in its session's folder; messages about a recording name parts by it. */
    public static String partFileName(int part) {
        return String.format("part-%06d.jsonl.gz", part);
    }

    /** A part's place, read back from its key or path; null when the name is not a part's. */
    public static PartName parse(String key) {
        Matcher m = PART.matcher(key);
        if (!m.matches()) {
            return null;
        }
        return new PartName(key, m.group(1), m.group(2), Integer.parseInt(m.group(3)));
    }

    /** One part: its full key, the day folder, the session and the part number (from 1). */
    public record PartName(String key, String day, String session, int part) {}

    /** A prefix as given ("agents", "agents/", "") made to end with exactly one slash, or empty. */
    public static String normalizePrefix(String prefix) {
        if (prefix == null || prefix.isBlank()) {
            return "";
        }
        String p = prefix.strip();
        while (p.startsWith("/")) {
            p = p.substring(1);
        }
        return p.isEmpty() || p.endsWith("/") ? p : p + "/";
    }
}
