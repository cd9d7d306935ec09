import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * Reads a JFR file of a benchmarked pgwarden and prints what the gateway benchmark needs, run as a
 * source file ({@code java bench/lib/JfrReport.java ...}):
 *
 * <pre>
 *   JfrReport alloc FILE WINDOWS   heap bytes allocated per transaction in each window
 *   JfrReport top FILE [N [THREAD]]  top frames by CPU samples and by allocation weight (of threads
 *                                  whose name starts with THREAD, when given)
 * </pre>
 *
 * WINDOWS holds one line per measured run: {@code label start_ms end_ms transactions}. Allocation
 * comes from {@code jdk.ThreadAllocationStatistics} (every thread's running total, sampled each
 * second): a window's figure is the growth of those totals from the last sample before it starts
 * to the first one after it ends, so it counts up to two idle seconds too (an idle pgwarden
 * allocates next to nothing).
 */
public final class JfrReport {
  public static void main(String[] args) throws IOException {
    if (args.length >= 3 && args[0].equals("alloc")) {
      alloc(Path.of(args[1]), Path.of(args[2]));
    } else if (args.length >= 2 && args[0].equals("top")) {
      top(Path.of(args[1]), args.length > 2 ? Integer.parseInt(args[2]) : 15, args.length > 3 ? args[3] : "");
    } else {
      System.err.println("usage: JfrReport alloc FILE WINDOWS | top FILE [N [THREAD]]");
      System.exit(2);
    }
  }

  // ---------------------------------------------------------------- allocation per transaction

  private record Sample(long millis, long allocated) {
  }

  private static void alloc(Path file, Path windows) throws IOException {
    Map<Long, List<Sample>> byThread = new HashMap<>();
    for (RecordedEvent e : RecordingFile.readAllEvents(file)) {
      if (e.getEventType().getName().equals("jdk.ThreadAllocationStatistics") && e.getThread("thread") != null) {
        byThread.computeIfAbsent(e.getThread("thread").getJavaThreadId(), k -> new ArrayList<>())
            .add(new Sample(e.getStartTime().toEpochMilli(), e.getLong("allocated")));
      }
    }
    byThread.values().forEach(l -> l.sort(Comparator.comparingLong(Sample::millis)));
    for (String line : Files.readAllLines(windows)) {
      String[] f = line.trim().split("\\s+");
      if (f.length < 4) {
        continue;
      }
      long start = Long.parseLong(f[1]);
      long end = Long.parseLong(f[2]);
      long tx = Long.parseLong(f[3]);
      long bytes = 0;
      for (List<Sample> samples : byThread.values()) {
        bytes += at(samples, end, false) - at(samples, start, true);
      }
      System.out.printf("%s %d%n", f[0], tx > 0 ? bytes / tx : 0);
    }
  }

  /** The thread's total at the last sample at or before {@code t} (before) or the first at or after it. */
  private static long at(List<Sample> samples, long t, boolean before) {
    if (before) {
      long v = 0; // a thread first seen later started later: it had allocated nothing yet
      for (Sample s : samples) {
        if (s.millis() > t) {
          break;
        }
        v = s.allocated();
      }
      return v;
    }
    for (Sample s : samples) {
      if (s.millis() >= t) {
        return s.allocated();
      }
    }
    return samples.get(samples.size() - 1).allocated();
  }

  // ---------------------------------------------------------------- top frames

  private static void top(Path file, int n, String thread) throws IOException {
    Map<String, Long> cpuSelf = new HashMap<>();
    Map<String, Long> cpuOwn = new HashMap<>();
    Map<String, Long> cpuThreads = new HashMap<>();
    Map<String, Long> allocSelf = new HashMap<>();
    Map<String, Long> allocOwn = new HashMap<>();
    Map<String, Long> allocClass = new HashMap<>();
    long cpuTotal = 0;
    long allocTotal = 0;
    Instant first = null;
    Instant last = null;
    for (RecordedEvent e : RecordingFile.readAllEvents(file)) {
      String type = e.getEventType().getName();
      if (!thread.isEmpty() && !threadName(e).startsWith(thread)) {
        continue;
      }
      if (type.equals("jdk.ExecutionSample")) {
        cpuTotal++;
        RecordedStackTrace st = e.getStackTrace();
        cpuSelf.merge(self(st), 1L, Long::sum);
        for (String m : own(st)) {
          cpuOwn.merge(m, 1L, Long::sum);
        }
        var t = e.getThread("sampledThread");
        cpuThreads.merge(t == null ? "?" : threadGroup(t.getJavaName()), 1L, Long::sum);
        first = first == null || e.getStartTime().isBefore(first) ? e.getStartTime() : first;
        last = last == null || e.getStartTime().isAfter(last) ? e.getStartTime() : last;
      } else if (type.equals("jdk.ObjectAllocationSample")) {
        long w = e.getLong("weight");
        allocTotal += w;
        RecordedStackTrace st = e.getStackTrace();
        allocSelf.merge(self(st), w, Long::sum);
        for (String m : own(st)) {
          allocOwn.merge(m, w, Long::sum);
        }
        allocClass.merge(e.getClass("objectClass").getName(), w, Long::sum);
      }
    }
    System.out.printf("CPU: %d execution samples of Java code%n", cpuTotal);
    print("  by thread", cpuThreads, cpuTotal, n, false);
    print("  top frames (self)", cpuSelf, cpuTotal, n, false);
    print("  pgwarden methods on the stack (inclusive)", cpuOwn, cpuTotal, n, false);
    System.out.printf("%nAllocation: %.1f MiB sampled weight%n", allocTotal / 1048576.0);
    print("  top frames (self)", allocSelf, allocTotal, n, true);
    print("  pgwarden methods on the stack (inclusive)", allocOwn, allocTotal, n, true);
    print("  classes", allocClass, allocTotal, n, true);
  }

  private static void print(String title, Map<String, Long> counts, long total, int n, boolean bytes) {
    System.out.println(title + ":");
    counts.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(n)
        .forEach(en -> System.out.printf("    %5.1f%%  %s%s%n", total == 0 ? 0 : 100.0 * en.getValue() / total,
            en.getKey(), bytes ? String.format("  (%.1f MiB)", en.getValue() / 1048576.0) : ""));
  }

  private static String self(RecordedStackTrace st) {
    if (st == null || st.getFrames().isEmpty()) {
      return "?";
    }
    return name(st.getFrames().get(0));
  }

  /** Every distinct pgwarden method on the stack, each counted once per sample. */
  private static Set<String> own(RecordedStackTrace st) {
    Set<String> out = new HashSet<>();
    if (st != null) {
      for (RecordedFrame f : st.getFrames()) {
        if (f.isJavaFrame() && f.getMethod().getType().getName().startsWith("dev.pgwarden.")) {
          out.add(name(f));
        }
      }
    }
    return out;
  }

  private static String name(RecordedFrame f) {
    String type = f.getMethod().getType().getName();
    return type.substring(type.lastIndexOf('.') + 1) + "." + f.getMethod().getName();
  }

  private static String threadName(RecordedEvent e) {
    var t = e.hasField("sampledThread") ? e.getThread("sampledThread") : e.getThread();
    return t == null || t.getJavaName() == null ? "" : t.getJavaName();
  }

  private static String threadGroup(String name) {
    return name == null ? "?" : name.replaceAll("-?\\d+$", "").replaceAll("-\\d+-", "-N-");
  }
}
