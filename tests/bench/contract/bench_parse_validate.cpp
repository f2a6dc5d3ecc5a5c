// Parse + validate throughput of a 1000-event batch of mixed kinds (about 264 KB), on one core: the ingest
// hot path of the embedded endpoint (decode into views, validate in place), beside simdjson reading every
// field and value of the same bytes and Node's JSON.parse of them, in the same run. Prints figures; asserts
// nothing about speed.
#include "catalog/indexcatalog.h"
#include "event/eventcodec.h"
#include "event/eventview.h"
#include "event/validator.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRandomGenerator>
#include <QStandardPaths>
#include <QTemporaryDir>

#include <simdjson.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <optional>
#include <vector>

namespace {

QByteArray hex32(QRandomGenerator& random)
{
    static const char digits[] = "0123456789abcdef";
    QByteArray id(32, '0');
    for (char& c : id)
        c = digits[random.bounded(16)];
    return id;
}

// A realistic mix: clicks after search, views, conversions with objectData, filters, a few extras.
QByteArray makeBatch(qint64 now, int events)
{
    QRandomGenerator random(42);
    QByteArray body = "{\"events\":[";
    for (int i = 0; i < events; ++i) {
        if (i > 0)
            body += ',';
        const QByteArray token = "anonymous-" + QByteArray::number(100000 + random.bounded(900000)) +
                                 "-4a1b-8c2d-" + QByteArray::number(random.bounded(1000000));
        const QByteArray ts = QByteArray::number(now - random.bounded(3'600'000));
        const QByteArray a = "m" + QByteArray::number(random.bounded(400));
        const QByteArray b = "m" + QByteArray::number(random.bounded(400));
        switch (i % 5) {
        case 0:
            body += "{\"eventType\":\"click\",\"eventName\":\"Product "
                    "Clicked\",\"index\":\"movies\",\"userToken\":\"" +
                    token + "\",\"timestamp\":" + ts + ",\"objectIDs\":[\"" + a + "\",\"" + b +
                    "\"],\"positions\":[3,7],\"queryID\":\"" + hex32(random) +
                    "\",\"algoliaSource\":[\"instantsearch\"]}";
            break;
        case 1:
            body += "{\"eventType\":\"view\",\"eventName\":\"Product "
                    "Viewed\",\"index\":\"movies\",\"userToken\":\"" +
                    token + "\",\"timestamp\":" + ts + ",\"objectIDs\":[\"" + a + "\",\"" + b +
                    "\",\"m1\",\"m2\"]}";
            break;
        case 2:
            body +=
                "{\"eventType\":\"conversion\",\"eventSubtype\":\"purchase\",\"eventName\":\"Products "
                "Purchased\","
                "\"index\":\"movies\",\"userToken\":\"" +
                token + "\",\"authenticatedUserToken\":\"user-" + QByteArray::number(i) +
                "\",\"timestamp\":" + ts + ",\"objectIDs\":[\"" + a + "\",\"" + b +
                "\"],\"objectData\":[{\"price\":19.99,\"quantity\":1,\"queryID\":\"" + hex32(random) +
                "\"},{\"price\":4.5,\"quantity\":2,\"discount\":0.5}],\"value\":28.99,\"currency\":\"USD\"}";
            break;
        case 3:
            body += "{\"eventType\":\"click\",\"eventName\":\"Genre "
                    "Clicked\",\"index\":\"movies\",\"userToken\":\"" +
                    token + "\",\"timestamp\":" + ts + ",\"filters\":[\"genres:Drama\",\"year:1927\"]}";
            break;
        default:
            body += "{\"eventType\":\"conversion\",\"eventSubtype\":\"addToCart\",\"eventName\":\"Added To "
                    "Cart\","
                    "\"index\":\"movies\",\"userToken\":\"" +
                    token + "\",\"timestamp\":" + ts + ",\"objectIDs\":[\"" + a + "\"],\"queryID\":\"" +
                    hex32(random) +
                    "\",\"objectData\":[{\"price\":\"12.00\",\"quantity\":1}],\"currency\":\"EUR\"}";
        }
    }
    body += "]}";
    return body;
}

qint64 threadCpuNs()
{
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<qint64>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

struct Rate
{
    double perCpuSecond = 0; // events per second of this thread's CPU time: one core's throughput
    double perWallSecond = 0;
    int runs = 0;
};

// Runs `work` for `seconds` of wall time; CPU time is measured too because other processes may share the
// core.
template <typename F>
Rate measure(F&& work, int eventsPerRun, double seconds)
{
    QElapsedTimer timer;
    timer.start();
    const qint64 cpuStart = threadCpuNs();
    Rate rate;
    while (timer.nsecsElapsed() < static_cast<qint64>(seconds * 1e9)) {
        work();
        ++rate.runs;
    }
    const double events = static_cast<double>(rate.runs) * eventsPerRun;
    rate.perCpuSecond = events / (static_cast<double>(threadCpuNs() - cpuStart) / 1e9);
    rate.perWallSecond = events / (static_cast<double>(timer.nsecsElapsed()) / 1e9);
    return rate;
}

void print(const char* label, const Rate& rate, qsizetype bodyBytes, const char* note = "")
{
    std::printf("%-46s %10.0f events/s per core (%6.1f MB/s; wall clock %10.0f events/s, %d runs) %s\n",
                label, rate.perCpuSecond, rate.perCpuSecond / 1000 * static_cast<double>(bodyBytes) / 1e6,
                rate.perWallSecond, rate.runs, note);
}

// The yardstick: simdjson on-demand reading every key and every value (strings unescaped, numbers parsed),
// the least any decoder of these bytes must do.
simdjson::error_code walkAll(simdjson::ondemand::value value, qsizetype& sink)
{
    using namespace simdjson;
    ondemand::json_type type;
    if (auto error = value.type().get(type))
        return error;
    switch (type) {
    case ondemand::json_type::object: {
        ondemand::object object;
        if (auto error = value.get_object().get(object))
            return error;
        for (auto field : object) {
            std::string_view key;
            if (auto error = field.unescaped_key().get(key))
                return error;
            sink += static_cast<qsizetype>(key.size());
            if (auto error = walkAll(field.value(), sink))
                return error;
        }
        return SUCCESS;
    }
    case ondemand::json_type::array: {
        ondemand::array array;
        if (auto error = value.get_array().get(array))
            return error;
        for (auto element : array) {
            ondemand::value child;
            if (auto error = element.get(child))
                return error;
            if (auto error = walkAll(child, sink))
                return error;
        }
        return SUCCESS;
    }
    case ondemand::json_type::string: {
        std::string_view text;
        if (auto error = value.get_string().get(text))
            return error;
        sink += static_cast<qsizetype>(text.size());
        return SUCCESS;
    }
    case ondemand::json_type::number: {
        double number = 0;
        if (auto error = value.get_double().get(number))
            return error;
        sink += number > 0 ? 1 : 0;
        return SUCCESS;
    }
    case ondemand::json_type::boolean: {
        bool flag = false;
        if (auto error = value.get_bool().get(flag))
            return error;
        sink += flag ? 1 : 0;
        return SUCCESS;
    }
    case ondemand::json_type::null: {
        bool isNull = false;
        return value.is_null().get(isNull);
    }
    }
    return INCORRECT_TYPE;
}

// Node's JSON.parse of the same bytes for `seconds`, in its own process: events/s per CPU second and per
// wall second, or nullopt without node.
std::optional<Rate> nodeJsonParse(const QByteArray& body, double seconds)
{
    const QString node = QStandardPaths::findExecutable(QStringLiteral("node"));
    QTemporaryDir dir;
    if (node.isEmpty() || !dir.isValid())
        return std::nullopt;
    QFile file(dir.filePath(QStringLiteral("batch.json")));
    if (!file.open(QIODevice::WriteOnly) || file.write(body) != body.size())
        return std::nullopt;
    file.close();
    const QString script =
        QStringLiteral(
            "const text = require('fs').readFileSync(process.argv[1], 'utf8');"
            "let runs = 0, sink = 0; const cpu0 = process.cpuUsage(), t0 = process.hrtime.bigint();"
            "while (Number(process.hrtime.bigint() - t0) < %1e9) { sink += JSON.parse(text).events.length; "
            "++runs; }"
            "const wall = Number(process.hrtime.bigint() - t0) / 1e9, cpu = process.cpuUsage(cpu0);"
            "console.log(runs, wall, (cpu.user + cpu.system) / 1e6, sink);")
            .arg(seconds);
    QProcess process;
    process.start(node, {QStringLiteral("-e"), script, file.fileName()});
    if (!process.waitForFinished(static_cast<int>(seconds * 1000) + 60000) || process.exitCode() != 0)
        return std::nullopt;
    const QList<QByteArray> fields = process.readAllStandardOutput().trimmed().split(' ');
    if (fields.size() < 3)
        return std::nullopt;
    Rate rate;
    rate.runs = fields.at(0).toInt();
    const double events = static_cast<double>(rate.runs) * 1000;
    rate.perWallSecond = events / fields.at(1).toDouble();
    rate.perCpuSecond = events / fields.at(2).toDouble();
    return rate;
}

} // namespace

int main()
{
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    const QByteArray body = makeBatch(now, 1000);
    if (qEnvironmentVariableIsSet("BENCH_DUMP_BATCH")) { // for profiling the same input elsewhere
        QFile dump(qEnvironmentVariable("BENCH_DUMP_BATCH"));
        if (dump.open(QIODevice::WriteOnly))
            dump.write(body);
    }
    IndexCatalog movies(QStringLiteral("movies"));
    for (int i = 0; i < 400; ++i)
        movies.addRecord({QStringLiteral("m%1").arg(i), QStringLiteral("Movie %1").arg(i), {}});
    ValidationContext context;
    context.nowMs = now;
    context.catalogs = {&movies};
    ValidationContext noCatalog = context;
    noCatalog.catalogs.clear();

    EventViewBatch views;
    const BatchVerdict check = Validator::validateBodyViews(body, context, views);
    if (check.httpStatus != 200 || check.events.size() != 1000) {
        std::fprintf(stderr, "benchmark batch is not accepted: %d %s\n", check.httpStatus,
                     qPrintable(check.message));
        return 1;
    }
    qsizetype sink = 0;
    simdjson::ondemand::parser parser;
    // Each run copies the request's bytes into a padded buffer, as every decoder must; the buffer itself is
    // reused, as the ingest path reuses its own (a fresh allocation per run would slow the yardstick).
    std::vector<char> padded(static_cast<size_t>(body.size()) + simdjson::SIMDJSON_PADDING, '\0');
    const auto walkRun = [&] {
        std::memcpy(padded.data(), body.constData(), static_cast<size_t>(body.size()));
        simdjson::ondemand::document document =
            parser.iterate(padded.data(), static_cast<size_t>(body.size()), padded.size());
        simdjson::ondemand::value root;
        if (document.get_value().get(root) != simdjson::SUCCESS || walkAll(root, sink) != simdjson::SUCCESS)
            std::abort();
    };
    const auto ingestRun = [&](const ValidationContext& rules) {
        EventViewBatch batch;
        sink += Validator::validateBodyViews(body, rules, batch).events.size();
    };
    // BENCH_ONLY=ingest|decode|validate [BENCH_SECONDS=N]: one part alone, for profiling.
    if (const QString only = qEnvironmentVariable("BENCH_ONLY"); !only.isEmpty()) {
        const int seconds = std::max(1, qEnvironmentVariableIntValue("BENCH_SECONDS"));
        const Rate quickWalk = measure(walkRun, 1000, 1.0);
        const Rate rate = measure(
            [&] {
                if (only == QLatin1String("decode"))
                    sink += EventCodec::decodeRequestViews(body).size();
                else if (only == QLatin1String("validate"))
                    sink += Validator::validate(views, context).events.size();
                else
                    ingestRun(context);
            },
            1000, seconds);
        print(qPrintable(only + QLatin1Char(':')), rate, body.size());
        std::printf("%.1f %% of the walk (%.0f events/s)\n",
                    100.0 * rate.perCpuSecond / quickWalk.perCpuSecond, quickWalk.perCpuSecond);
        return sink > 0 ? 0 : 1;
    }
    std::printf(
        "batch: 1000 events, %.1f KB, mixed kinds (click after search, view, purchase, filters, addToCart)\n",
        static_cast<double>(body.size()) / 1024.0);

    const Rate walk = measure(walkRun, 1000, 3.0);
    print("yardstick: simdjson walk, every key+value:", walk, body.size());
    const Rate ingest = measure([&] { ingestRun(context); }, 1000, 3.0);
    char note[96];
    std::snprintf(note, sizeof note, "%.1f %% of the walk, target >= 30 %%",
                  100.0 * ingest.perCpuSecond / walk.perCpuSecond);
    print("ingest: decode views + validate (catalog):", ingest, body.size(), note);
    const Rate ingestNoCatalog = measure([&] { ingestRun(noCatalog); }, 1000, 2.0);
    std::snprintf(note, sizeof note, "%.1f %% of the walk",
                  100.0 * ingestNoCatalog.perCpuSecond / walk.perCpuSecond);
    print("ingest: decode views + validate (no catalog):", ingestNoCatalog, body.size(), note);
    print("decode views only:",
          measure([&] { sink += EventCodec::decodeRequestViews(body).size(); }, 1000, 2.0), body.size());
    print("validate views only (decoded once):",
          measure([&] { sink += Validator::validate(views, context).events.size(); }, 1000, 2.0),
          body.size());
    print("decode into Events (views -> QStrings):",
          measure([&] { sink += EventCodec::decodeRequestBody(body).events.size(); }, 1000, 2.0),
          body.size());
    const DecodedBatch decoded = EventCodec::decodeRequestBody(body);
    print("validate Events (via their JSON's views):",
          measure([&] { sink += Validator::validate(decoded, context).events.size(); }, 1000, 2.0),
          body.size());
    print("for scale, QJsonDocument parse only:",
          measure([&] { sink += QJsonDocument::fromJson(body).object().size(); }, 1000, 2.0), body.size());
    if (const std::optional<Rate> node = nodeJsonParse(body, 3.0)) {
        std::snprintf(note, sizeof note, "ingest = %.2fx JSON.parse",
                      ingest.perCpuSecond / node->perCpuSecond);
        print("for scale, Node JSON.parse (own process):", *node, body.size(), note);
    } else {
        std::printf("for scale, Node JSON.parse: n/a (node not found or failed)\n");
    }
    std::printf("(sink %lld)\n", static_cast<long long>(sink));
    return 0;
}
