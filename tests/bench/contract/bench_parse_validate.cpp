// Parse + validate throughput of a 1000-event batch of mixed kinds (about 264 KB), on one core: the ingest
// hot path of the embedded endpoint. Prints figures; asserts nothing about speed.
#include "catalog/indexcatalog.h"
#include "event/eventcodec.h"
#include "event/validator.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>

#include <simdjson.h>

#include <cstdio>
#include <ctime>

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
    std::printf("%-40s %10.0f events/s per core (%6.1f MB/s; wall clock %10.0f events/s, %d runs) %s\n",
                label, rate.perCpuSecond, rate.perCpuSecond / 1000 * static_cast<double>(bodyBytes) / 1e6,
                rate.perWallSecond, rate.runs, note);
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

    const BatchVerdict check = Validator::validateBody(body, context);
    if (check.httpStatus != 200 || check.events.size() != 1000) {
        std::fprintf(stderr, "benchmark batch is not accepted: %d %s\n", check.httpStatus,
                     qPrintable(check.message));
        return 1;
    }
    std::printf(
        "batch: 1000 events, %.1f KB, mixed kinds (click after search, view, purchase, filters, addToCart)\n",
        static_cast<double>(body.size()) / 1024.0);

    volatile qsizetype sink = 0;
    simdjson::ondemand::parser parser;
    const simdjson::padded_string padded(body.constData(), static_cast<size_t>(body.size()));
    print("for scale, simdjson walk only (no Event):",
          measure(
              [&] {
                  simdjson::ondemand::document document = parser.iterate(padded);
                  for (auto element : document["events"].get_array()) {
                      for (auto field : element.get_object())
                          sink = sink + field.unescaped_key().value().size();
                  }
              },
              1000, 2.0),
          body.size());
    print("decode (simdjson -> Event):",
          measure([&] { sink = sink + EventCodec::decodeRequestBody(body).events.size(); }, 1000, 2.0),
          body.size());
    print("decode + validate (catalog check on):",
          measure([&] { sink = sink + Validator::validateBody(body, context).events.size(); }, 1000, 3.0),
          body.size(), "target >= 2,000,000");
    const DecodedBatch decoded = EventCodec::decodeRequestBody(body);
    print("validate only (decoded once):",
          measure([&] { sink = sink + Validator::validate(decoded, context).events.size(); }, 1000, 2.0),
          body.size());
    ValidationContext noCatalog = context;
    noCatalog.catalogs.clear();
    print("decode + validate (no catalog):",
          measure([&] { sink = sink + Validator::validateBody(body, noCatalog).events.size(); }, 1000, 2.0),
          body.size());
    print("for scale, QJsonDocument parse only:",
          measure([&] { sink = sink + QJsonDocument::fromJson(body).object().size(); }, 1000, 2.0),
          body.size());
    return 0;
}
