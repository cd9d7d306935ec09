package dev.pgwarden.operator.notify;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

/**
 * POSTs one JSON body to one URL until it is accepted, a 4xx says it never will be, or the
 * {@link Backoff} runs out. Messages never carry the URL: a Slack webhook URL is a credential.
 */
final class WebhookPost {
    /** How it ended, after how many attempts; {@code error} is null when delivered. */
    record Result(boolean delivered, int attempts, String error) {}

    private final HttpClient http;
    private final Backoff backoff;

    WebhookPost(HttpClient http, Backoff backoff) {
        this.http = http;
        this.backoff = backoff;
    }

    /** Blocks the calling (notifier) thread for at most the backoff's bound. */
    Result send(URI url, String json) throws InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(url)
                .timeout(backoff.timeout())
                .header("Content-Type", "application/json; charset=utf-8")
                .header("User-Agent", "pgwarden-operator")
                .POST(HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8))
                .build();
        String error = null;
        for (int attempt = 1; attempt <= backoff.attempts(); attempt++) {
            if (attempt > 1) {
                Thread.sleep(backoff.before(attempt).toMillis());
            }
            try {
                HttpResponse<Void> response = http.send(request, HttpResponse.BodyHandlers.discarding());
                int status = response.statusCode();
                if (status >= 200 && status < 300) {
                    return new Result(true, attempt, null);
                }
                error = "HTTP " + status;
                // 408 and 429 ask to come back later, 5xx may pass; any other answer will not change.
                if (status != 408 && status != 429 && status < 500) {
                    return new Result(false, attempt, error + " (not retried: the endpoint refuses the request)");
                }
            } catch (IOException e) {
                error = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + withoutUrl(e, url));
            }
        }
        return new Result(false, backoff.attempts(), error);
    }

    private static String withoutUrl(IOException e, URI url) {
        return e.getMessage().replace(url.toString(), "<url>");
    }
}
