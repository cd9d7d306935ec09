package dev.pgwarden.sidecar.audit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The audit writer never drops an event: when its output stops taking lines (a stalled stdout
 * pipe), producers wait instead, and once the output drains every event is written, in order.
 */
@Timeout(120)
class SlowConsumerTest {
    /** More events than the writer's queue holds, so producers must wait for the output. */
    private static final int EVENTS = 100_000;

    /** An output that takes nothing until it is released, then everything. */
    private static final class StalledOutput extends OutputStream {
        final CountDownLatch released = new CountDownLatch(1);
        final ByteArrayOutputStream taken = new ByteArrayOutputStream();

        private void stall() throws IOException {
            try {
                released.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
        }

        @Override
        public synchronized void write(int b) throws IOException {
            stall();
            taken.write(b);
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) throws IOException {
            stall();
            taken.write(b, off, len);
        }
    }

    @Test
    void aStalledOutputSlowsProducersDownAndLosesNothing() throws Exception {
        StalledOutput out = new StalledOutput();
        JsonLinesAuditSink sink = new JsonLinesAuditSink(out);
        Thread producer = new Thread(
                () -> {
                    for (int i = 0; i < EVENTS; i++) {
                        sink.emit(new NoticeSent("2026-01-01T00:00:00Z", "slow", "NOTICE", "00000", "event " + i));
                    }
                },
                "audit-producer");
        producer.start();

        // The producer ends up waiting for room in the queue: back-pressure, not loss.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (producer.getState() != Thread.State.WAITING) {
            assertThat(producer.isAlive())
                    .as("the producer cannot finish while nothing is written")
                    .isTrue();
            assertThat(System.nanoTime()).as("the producer blocks within 60 s").isLessThan(deadline);
            Thread.sleep(5);
        }
        assertThat(out.taken.size()).isZero();

        out.released.countDown();
        producer.join(TimeUnit.SECONDS.toMillis(60));
        assertThat(producer.isAlive())
                .as("the producer finishes once the output drains")
                .isFalse();
        sink.close();

        String[] lines = out.taken.toString(StandardCharsets.UTF_8).split("\n");
        assertThat(lines).hasSize(EVENTS);
        ObjectMapper json = new ObjectMapper();
        for (int i = 0; i < EVENTS; i++) {
            var line = json.readTree(lines[i]);
            assertThat(line.path("seq").asLong()).isEqualTo(i);
            assertThat(line.path("message").asText()).isEqualTo("event " + i);
        }
    }
}
