// SPDX-License-Identifier: Apache-2.0
// A producer for tests/interop/t_jsonschema_connect.sh: Apicurio Registry's
// JSON Schema serializer (apicurio-registry-serdes-jsonschema-serde
// 2.6.13.Final) writes each line KEY<TAB>VALUE of a file (two JSON
// documents) to a topic in the Confluent wire format (as-confluent: a 4-byte
// id; use-id contentId: the ccompat API's ids), each side against the latest
// version of a subject registered beforehand, validated by the serializer.
//
//   java JsonSchemaProduce BOOTSTRAP TOPIC REGISTRY_V2_URL KEY_SUBJECT VALUE_SUBJECT FILE
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.apicurio.registry.serde.jsonschema.JsonSchemaKafkaSerializer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

public class JsonSchemaProduce {
	static JsonSchemaKafkaSerializer<JsonNode> serializer(String url, String subject, boolean isKey) {
		Map<String, Object> c = new HashMap<>();
		c.put("apicurio.registry.url", url);
		c.put("apicurio.registry.artifact.artifact-id", subject);
		c.put("apicurio.registry.find-latest", "true");
		c.put("apicurio.registry.auto-register", "false");
		c.put("apicurio.registry.as-confluent", "true");
		c.put("apicurio.registry.use-id", "contentId");
		c.put("apicurio.registry.headers.enabled", "false");
		c.put("apicurio.registry.serde.validation-enabled", "true");
		JsonSchemaKafkaSerializer<JsonNode> s = new JsonSchemaKafkaSerializer<>();
		s.configure(c, isKey);
		return s;
	}

	public static void main(String[] a) throws Exception {
		Map<String, Object> p = new HashMap<>();
		p.put("bootstrap.servers", a[0]);
		p.put("acks", "all");
		p.put("enable.idempotence", "true");
		ObjectMapper m = new ObjectMapper();
		List<String> lines = Files.readAllLines(Paths.get(a[5]), StandardCharsets.UTF_8);
		try (KafkaProducer<JsonNode, JsonNode> producer = new KafkaProducer<>(p,
				serializer(a[2], a[3], true), serializer(a[2], a[4], false))) {
			for (String line : lines) {
				int tab = line.indexOf('\t');
				producer.send(new ProducerRecord<>(a[1], m.readTree(line.substring(0, tab)),
						m.readTree(line.substring(tab + 1)))).get();
			}
		}
		System.out.println(lines.size());
	}
}
