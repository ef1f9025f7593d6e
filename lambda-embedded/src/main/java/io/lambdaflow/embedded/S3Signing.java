package io.lambdaflow.embedded;

import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The one S3 request the embedded server's owner makes itself, creating a bucket, signed with AWS
 * signature version 2 (HMAC-SHA1 over method, date header and resource), which S3Proxy checks as it
 * checks any client's. Everything else goes through S3A and the AWS SDK.
 */
final class S3Signing {
  private S3Signing() {}

  static HttpRequest putBucket(String endpoint, String bucket, String accessKey, String secretKey) {
    return signed("PUT", endpoint, "/" + bucket, accessKey, secretKey)
        .PUT(HttpRequest.BodyPublishers.noBody())
        .build();
  }

  /** A request without a body for {@code path} (a bucket or an object), signed. */
  static HttpRequest.Builder signed(
      String method, String endpoint, String path, String accessKey, String secretKey) {
    String date = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC));
    String toSign = method + "\n\n\n\nx-amz-date:" + date + "\n" + path;
    return HttpRequest.newBuilder(URI.create(endpoint + path))
        .header("x-amz-date", date)
        .header("Authorization", "AWS " + accessKey + ":" + hmacSha1(secretKey, toSign));
  }

  private static String hmacSha1(String key, String text) {
    try {
      Mac mac = Mac.getInstance("HmacSHA1");
      mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA1"));
      return Base64.getEncoder().encodeToString(mac.doFinal(text.getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HMAC-SHA1 is not available", e);
    }
  }
}
