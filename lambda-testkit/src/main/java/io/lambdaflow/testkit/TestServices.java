package io.lambdaflow.testkit;

import io.lambdaflow.embedded.EmbeddedKafka;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Real services for tests, as parameters of {@code @BeforeAll}, test methods or constructors:
 *
 * <ul>
 *   <li>{@link SparkSession}: the one shared local session of the JVM ({@link TestSpark}); never
 *       stop it.
 *   <li>{@link EmbeddedKafka}: a KRaft broker on a free loopback port, one per test class, stopped
 *       (its log folder deleted) after the class's last test, also when a test fails.
 * </ul>
 *
 * <pre>{@code
 * @ExtendWith(TestServices.class)
 * class MyPipelineTest {
 *   private static EmbeddedKafka kafka;
 *
 *   @BeforeAll
 *   static void start(EmbeddedKafka broker) {
 *     kafka = broker;
 *   }
 * }
 * }</pre>
 */
public final class TestServices implements ParameterResolver {
  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(TestServices.class);

  /** The broker of one test class, closed by JUnit when the class's context closes. */
  private record Broker(EmbeddedKafka kafka) implements ExtensionContext.Store.CloseableResource {
    @Override
    public void close() {
      kafka.close();
    }
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    Class<?> type = parameter.getParameter().getType();
    return type == SparkSession.class || type == EmbeddedKafka.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    if (parameter.getParameter().getType() == SparkSession.class) {
      return TestSpark.session();
    }
    return classContext(context)
        .getStore(NAMESPACE)
        .getOrComputeIfAbsent("broker", key -> new Broker(EmbeddedKafka.start()), Broker.class)
        .kafka();
  }

  /** The context of the test class (not of one method), so a broker lives as long as the class. */
  private static ExtensionContext classContext(ExtensionContext context) {
    ExtensionContext current = context;
    while (current.getTestMethod().isPresent() && current.getParent().isPresent()) {
      current = current.getParent().get();
    }
    return current;
  }
}
