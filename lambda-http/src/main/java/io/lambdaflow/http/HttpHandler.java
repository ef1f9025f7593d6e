package io.lambdaflow.http;

import java.io.IOException;

/**
 * Answers one request. Called on one of the server's worker threads, after the token (if any) was
 * checked and the whole body read; may block (run a query, wait for Kafka). A runtime exception
 * becomes a 500 and is logged; an expected refusal should be an answer with its status instead.
 */
@FunctionalInterface
public interface HttpHandler {
  HttpResponse handle(HttpRequest request) throws IOException;
}
