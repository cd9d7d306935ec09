package dev.pgwarden.operator.webhook;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.pgwarden.operator.webhook.admission.Admission;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponse;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReview;
import io.javaoperatorsdk.webhook.admission.AdmissionController;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One webhook path over HTTP: reads a capped AdmissionReview v1, runs its controller, writes the
 * answer. Malformed input is the caller's error (400); a handler failure is answered with a
 * refusal, so the API server never admits something unchecked because of a bug here.
 */
final class AdmissionHttpHandler implements HttpHandler {
    private static final Logger LOG = LoggerFactory.getLogger(AdmissionHttpHandler.class);

    private final String path;
    private final AdmissionController<?> controller;
    private final int maxBodyBytes;

    AdmissionHttpHandler(String path, AdmissionController<?> controller, int maxBodyBytes) {
        this.path = path;
        this.controller = controller;
        this.maxBodyBytes = maxBodyBytes;
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!path.equals(exchange.getRequestURI().getPath())) {
                // HttpServer matches contexts by prefix; /mutate-pods-x is not ours.
                sendText(
                        exchange,
                        404,
                        "no webhook at " + exchange.getRequestURI().getPath());
                return;
            }
            if (!"POST".equals(exchange.getRequestMethod())) {
                exchange.getResponseHeaders().set("Allow", "POST");
                sendText(exchange, 405, "webhooks accept POST with an AdmissionReview v1 body");
                return;
            }
            byte[] body = readCapped(exchange.getRequestBody());
            if (body == null) {
                sendText(
                        exchange,
                        400,
                        "request body exceeds " + maxBodyBytes + " bytes; an AdmissionReview this large"
                                + " is not accepted");
                return;
            }
            AdmissionReview review;
            try {
                review = Admission.SERIALIZATION.unmarshal(
                        new String(body, StandardCharsets.UTF_8), AdmissionReview.class);
            } catch (RuntimeException e) {
                sendText(exchange, 400, "request body is not an AdmissionReview v1 JSON document: " + firstLine(e));
                return;
            }
            if (review == null
                    || review.getRequest() == null
                    || review.getRequest().getUid() == null) {
                sendText(exchange, 400, "AdmissionReview has no request or no request.uid");
                return;
            }
            sendJson(exchange, answer(review));
        }
    }

    private AdmissionReview answer(AdmissionReview review) {
        AdmissionReview answer;
        try {
            answer = controller.handle(review);
        } catch (RuntimeException e) {
            LOG.error(
                    "Webhook {} failed on request {}", path, review.getRequest().getUid(), e);
            AdmissionResponse failed = Admission.failed("pgwarden webhook " + path + " failed: " + firstLine(e)
                    + "; the request was not admitted, try again or check the operator's log");
            answer = new AdmissionReview();
            answer.setResponse(failed);
        }
        answer.getResponse().setUid(review.getRequest().getUid());
        // The API server requires these on the response; echo what it sent.
        answer.setApiVersion(review.getApiVersion() == null ? "admission.k8s.io/v1" : review.getApiVersion());
        answer.setKind("AdmissionReview");
        answer.setRequest(null);
        return answer;
    }

    /** The body, or null when it is larger than the cap (read no further than cap + 1 bytes). */
    private byte[] readCapped(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[16 * 1024];
        int total = 0;
        int n;
        while ((n = in.read(buffer)) > 0) {
            total += n;
            if (total > maxBodyBytes) {
                return null;
            }
            out.write(buffer, 0, n);
        }
        return out.toByteArray();
    }

    private static void sendJson(HttpExchange exchange, AdmissionReview review) throws IOException {
        byte[] bytes = Admission.SERIALIZATION.asJson(review).getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static void sendText(HttpExchange exchange, int status, String message) throws IOException {
        byte[] bytes = (message + "\n").getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static String firstLine(Throwable e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
