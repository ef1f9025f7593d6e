package io.lambdaflow.records;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.Serializable;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;

/**
 * A client of a Confluent-compatible schema registry's REST API (Confluent's, or Apicurio's at
 * {@code /apis/ccompat/v7}): writer schemas by id, cached for the life of the JVM (an id never
 * changes its schema), registration under a subject, and the subject's latest schema. Credentials
 * are sent as HTTP basic authentication and never appear in a message.
 */
public final class SchemaRegistry implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
  private static final Map<String, Schema> BY_ID = new ConcurrentHashMap<>();
  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  private final String url;
  private final String user;
  private final String password;
  private transient HttpClient client;

  /** A refusal or failure of the registry, with its own message. */
  public static final class RegistryException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int status;

    RegistryException(int status, String message) {
      super(message);
      this.status = status;
    }

    /** The HTTP status, or 0 when the registry did not answer. */
    public int status() {
      return status;
    }
  }

  /**
   * @param url the registry's base URL, e.g. {@code http://127.0.0.1:8081} or Apicurio's {@code
   *     http://127.0.0.1:8080/apis/ccompat/v7}
   * @param user basic-authentication user, or null
   * @param password its password, or null
   */
  public SchemaRegistry(String url, String user, String password) {
    this.url = requireNonNull(url, "url is null").replaceAll("/+$", "");
    this.user = user;
    this.password = password;
  }

  public String url() {
    return url;
  }

  /**
   * The schema registered with {@code id}.
   *
   * @throws RegistryException when the registry has no such id (status 404) or cannot be asked
   */
  public Schema schema(int id) {
    String key = url + "#" + id;
    Schema known = BY_ID.get(key);
    if (known != null) {
      return known;
    }
    JsonNode answer = call("GET", "/schemas/ids/" + id, null);
    Schema schema = new Schema.Parser().parse(answer.path("schema").asText());
    BY_ID.put(key, schema);
    return schema;
  }

  /**
   * Registers {@code schema} under {@code subject} (a schema already there keeps its id) and
   * returns its id.
   *
   * @throws RegistryException with the registry's reason when it refuses the schema (409: not
   *     compatible with the subject's earlier versions under its compatibility rule)
   */
  public int register(String subject, Schema schema) {
    ObjectNode body = JSON.createObjectNode();
    body.put("schema", schema.toString());
    JsonNode answer = call("POST", "/subjects/" + encode(subject) + "/versions", body.toString());
    int id = answer.path("id").asInt();
    BY_ID.put(url + "#" + id, schema);
    return id;
  }

  /**
   * The latest schema registered under {@code subject}.
   *
   * @throws RegistryException when the subject has none (404) or the registry cannot be asked
   */
  public Schema latest(String subject) {
    JsonNode answer = call("GET", "/subjects/" + encode(subject) + "/versions/latest", null);
    return new Schema.Parser().parse(answer.path("schema").asText());
  }

  private JsonNode call(String method, String path, String body) {
    if (client == null) {
      client = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
    }
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(url + path))
            .timeout(TIMEOUT)
            .header("Accept", CONTENT_TYPE)
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) {
      request.header("Content-Type", CONTENT_TYPE);
    }
    if (user != null && !user.isEmpty()) {
      String credentials = user + ":" + (password == null ? "" : password);
      request.header(
          "Authorization",
          "Basic "
              + Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8)));
    }
    HttpResponse<String> response;
    try {
      response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new RegistryException(
          0, "the schema registry at " + url + " does not answer: " + e.getClass().getSimpleName());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RegistryException(0, "interrupted while asking the schema registry at " + url);
    }
    JsonNode answer;
    try {
      answer = JSON.readTree(response.body());
    } catch (IOException e) {
      answer = JSON.createObjectNode();
    }
    if (response.statusCode() / 100 != 2) {
      String message = answer.path("message").asText(response.body());
      throw new RegistryException(
          response.statusCode(),
          "the schema registry at "
              + url
              + " answered "
              + response.statusCode()
              + " to "
              + method
              + " "
              + path
              + ": "
              + message);
    }
    return answer;
  }

  private static String encode(String subject) {
    return URLEncoder.encode(subject, StandardCharsets.UTF_8);
  }
}
