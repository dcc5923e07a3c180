// Starts Amazon DynamoDB Local bound to 127.0.0.1 only.
//
// DynamoDB Local has no host option: its Jetty server listens on every
// interface. This launcher builds the server from the usual command-line
// arguments, binds its connectors to loopback, then starts it. Reflection
// keeps it free of compile-time dependencies; run it as a single-file source
// program with DynamoDBLocal.jar and DynamoDBLocal_lib/* on the class path.
import java.lang.reflect.Field;
import java.lang.reflect.Method;

public class LoopbackDynamoDBLocal {
    public static void main(String[] args) throws Exception {
        Class<?> runner = Class.forName("software.amazon.dynamodb.services.local.main.ServerRunner");
        Object proxy = runner.getMethod("createServerFromCommandLineArgs", String[].class).invoke(null, (Object) args);
        Field field = proxy.getClass().getDeclaredField("server");
        field.setAccessible(true);
        Object server = field.get(proxy);
        Object[] connectors = (Object[]) server.getClass().getMethod("getConnectors").invoke(server);
        if (connectors.length == 0) {
            throw new IllegalStateException("DynamoDB Local has no connector to bind");
        }
        for (Object connector : connectors) {
            Method setHost = connector.getClass().getMethod("setHost", String.class);
            setHost.invoke(connector, "127.0.0.1");
        }
        proxy.getClass().getMethod("start").invoke(proxy);
        System.out.println("DynamoDB Local listening on 127.0.0.1");
    }
}
