package io.lambdaflow.testkit;

import io.lambdaflow.embedded.EmbeddedKafka;
import io.lambdaflow.embedded.EmbeddedPostgres;
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
 *   <li>{@link EmbeddedPostgres}: a PostgreSQL server on a free loopback port, likewise one per
 *       test class.
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

  /** A service of one test class, closed by JUnit when the class's context closes. */
  private record Service(AutoCloseable service)
      implements ExtensionContext.Store.CloseableResource {
    @Override
    public void close() throws Exception {
      service.close();
    }
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    Class<?> type = parameter.getParameter().getType();
    return type == SparkSession.class
        || type == EmbeddedKafka.class
        || type == EmbeddedPostgres.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    if (parameter.getParameter().getType() == SparkSession.class) {
      return TestSpark.session();
    }
    Class<?> type = parameter.getParameter().getType();
    return classContext(context)
        .getStore(NAMESPACE)
        .getOrComputeIfAbsent(
            type,
            key ->
                new Service(
                    type == EmbeddedKafka.class ? EmbeddedKafka.start() : EmbeddedPostgres.start()),
            Service.class)
        .service();
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
