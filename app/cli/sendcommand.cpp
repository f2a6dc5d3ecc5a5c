#include "sendcommand.h"

#include "client/insightsclient.h"
#include "datafolder/datafolder.h"
#include "secrets/keychainsecretstore.h"

#include "event/eventcodec.h"
#include "event/eventview.h"
#include "log/eventlog.h"
#include "log/recordbatch.h"
#include "outbox/outbox.h"
#include "views/eventexchange.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QLockFile>
#include <QSet>
#include <QStandardPaths>
#include <QThread>
#include <QTimer>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <memory>
#include <mutex>
#include <variant>

namespace {

constexpr int kExitAccepted = 0;
constexpr int kExitRejectedOrFailed = 1;
constexpr int kExitUsage = 2;
constexpr qint64 kProgressThreshold = 5000; // events: below this a send is quick enough to stay quiet

int usageError(const QString& message)
{
    std::fprintf(stderr, "insights-debugger send: %s\n", qPrintable(message));
    return kExitUsage;
}

void printErr(const QString& line)
{
    std::fprintf(stderr, "%s\n", qPrintable(line));
    std::fflush(stderr);
}

std::optional<QByteArray> readInput(const QString& path, QString* error)
{
    QFile file;
    if (path == QLatin1String("-")) {
        if (!file.open(stdin, QIODevice::ReadOnly)) {
            *error = QStringLiteral("cannot read standard input");
            return std::nullopt;
        }
    } else {
        file.setFileName(path);
        if (!file.open(QIODevice::ReadOnly)) {
            *error = QStringLiteral("cannot read %1: %2").arg(path, file.errorString());
            return std::nullopt;
        }
    }
    QByteArray bytes = file.readAll();
    if (file.error() != QFileDevice::NoError) {
        *error = QStringLiteral("cannot read %1: %2").arg(path, file.errorString());
        return std::nullopt;
    }
    return bytes;
}

// The events to send as read from the input: views of it (one or more runs of consecutive events, each
// decoded on its own), so that no Event is built for an event that carries its own timestamp (the usual
// case: a capture or a replay), or, for one of the debugger's own exports, its events without their
// "kind" tags.
class InputEvents
{
public:
    InputEvents() = default;
    explicit InputEvents(std::vector<EventViewBatch> parts)
        : m_parts(std::move(parts))
    {
        qsizetype offset = 0;
        for (const EventViewBatch& part : m_parts) {
            for (const Issue& issue : part.typeErrors)
                m_verbatim.insert(static_cast<int>(offset + issue.eventIndex));
            offset += part.size();
            m_ends.push_back(offset);
        }
    }
    explicit InputEvents(DecodedBatch batch)
        : m_batch(std::move(batch))
    {
        for (const Issue& issue : m_batch->typeErrors)
            m_verbatim.insert(issue.eventIndex);
    }

    qsizetype size() const
    {
        if (m_batch)
            return m_batch->events.size();
        return m_ends.empty() ? 0 : m_ends.back();
    }

    // What goes out for event `i`: the event as written (a view of the input), except one without a
    // timestamp, which gets the collection time `nowMs` through the one codec (its text is kept in
    // `stamped`). An event with a wrongly typed field goes out as written too, so that the server judges
    // what the user wrote.
    QByteArrayView outgoing(qsizetype i, qint64 nowMs, QList<QByteArray>& stamped) const
    {
        const bool verbatim = m_verbatim.contains(static_cast<int>(i));
        if (!m_batch) {
            const EventView& view = viewAt(i);
            if (view.timestamp || verbatim)
                return QByteArrayView(view.rawJson.data(), static_cast<qsizetype>(view.rawJson.size()));
            Event event = view.toEvent();
            event.timestamp = nowMs;
            stamped.append(EventCodec::encodeEvent(event));
            return stamped.constLast();
        }
        const Event& event = m_batch->events.at(i);
        if (m_batch->rawEvents.size() == m_batch->events.size() && (event.timestamp || verbatim))
            return m_batch->rawEvents.at(i);
        Event copy = event;
        if (!copy.timestamp)
            copy.timestamp = nowMs;
        stamped.append(EventCodec::encodeEvent(copy));
        return stamped.constLast();
    }

private:
    const EventView& viewAt(qsizetype i) const
    {
        size_t part = 0;
        while (i >= m_ends.at(part))
            ++part;
        const qsizetype start = part == 0 ? 0 : m_ends.at(part - 1);
        return m_parts.at(part).events.at(static_cast<size_t>(i - start));
    }

    std::vector<EventViewBatch> m_parts;
    std::vector<qsizetype> m_ends; // one past each part's last event, as an index of the whole input
    std::optional<DecodedBatch> m_batch;
    QSet<int> m_verbatim;
};

// The debugger's exports tag each record with its "kind": only such an input is read as Events.
bool isTagged(const EventViewBatch& views)
{
    return std::any_of(views.events.cbegin(), views.events.cend(), [](const EventView& view) {
        return view.rawJson.find("\"kind\"") != std::string_view::npos;
    });
}

// decodeInputViews of a large NDJSON input in two halves on two threads (the codec is thread-safe: one
// parser per thread): decoding is the longest step before the first request leaves. The halves are used
// only when both read as NDJSON lines, at least one event each, without a tagged record (the whole is then
// NDJSON, read into the same events); anything else (a request body, a single event, a bad line, a
// debugger export, an input too small to gain) is decoded whole, so shapes, error texts and line numbers
// are exactly the codec's.
std::vector<DecodedInputViews> decodeInParallel(const QByteArray& bytes)
{
    constexpr qsizetype kParallelFrom = 1 << 20;
    const qsizetype middle = bytes.size() >= kParallelFrom ? bytes.indexOf('\n', bytes.size() / 2) : -1;
    std::vector<DecodedInputViews> halves;
    if (middle > 0 && QThread::idealThreadCount() >= 2) {
        const QByteArrayView head(bytes.constData(), middle + 1);
        const QByteArrayView tail(bytes.constData() + middle + 1, bytes.size() - middle - 1);
        DecodedInputViews first;
        bool firstTagged = false;
        std::unique_ptr<QThread> helper(QThread::create([&first, &firstTagged, head] {
            first = EventCodec::decodeNdjsonViews(head);
            firstTagged = isTagged(first.views);
        }));
        helper->start();
        DecodedInputViews second = EventCodec::decodeNdjsonViews(tail);
        const bool secondTagged = isTagged(second.views);
        helper->wait();
        const auto isPlainNdjson = [](const DecodedInputViews& part, bool tagged) {
            return !part.inputError && !part.views.payloadError && part.views.size() > 0 && !tagged;
        };
        if (isPlainNdjson(first, firstTagged) && isPlainNdjson(second, secondTagged)) {
            halves.push_back(std::move(first));
            halves.push_back(std::move(second));
            return halves;
        }
    }
    halves.push_back(EventCodec::decodeInputViews(bytes));
    return halves;
}

// Reads the input into InputEvents; a usage error's text otherwise.
std::variant<InputEvents, QString> readEvents(const QByteArray& bytes, const QString& name)
{
    std::vector<DecodedInputViews> decoded = decodeInParallel(bytes);
    InputEvents events;
    if (decoded.size() > 1) {
        std::vector<EventViewBatch> parts;
        for (DecodedInputViews& half : decoded)
            parts.push_back(std::move(half.views));
        events = InputEvents(std::move(parts));
    } else {
        DecodedInputViews& whole = decoded.front();
        if (whole.inputError)
            return *whole.inputError;
        if (whole.views.payloadError && whole.views.events.empty())
            return whole.views.payloadError->message;
        if (isTagged(whole.views)) {
            DecodedBatch batch = EventCodec::decodedBatchOf(whole.views);
            // A replay of the debugger's own export: its searches and refused requests are not events to
            // send.
            if (std::optional<EventExchange::ExportedEvents> exported =
                    EventExchange::eventsOfExport(batch)) {
                if (exported->otherRecords > 0)
                    printErr(
                        QStringLiteral("note: %1 search or refused-request record(s) of the export left out")
                            .arg(exported->otherRecords));
                batch = std::move(exported->batch);
            }
            events = InputEvents(std::move(batch));
        } else {
            std::vector<EventViewBatch> parts;
            parts.push_back(std::move(whole.views));
            events = InputEvents(std::move(parts));
        }
    }
    if (events.size() == 0)
        return QStringLiteral("no events in %1").arg(name);
    return events;
}

struct Options
{
    QString input;
    bool resume = false;
    InsightsTarget target;
    QString appId;
    QString apiKey;
    QString keySource;
    ClientOptions client;
    QString outboxPath;
    bool quiet = false;
};

// The key never reaches the output: the summary names where it came from, not what it is.
void readKeyFromKeychain(Options& options, QCoreApplication& app)
{
    KeychainSecretStore store(QStringLiteral("insights-debugger"), 3000);
    bool answered = false;
    store.readApiKey(options.appId, &app, [&](const SecretResult& result) {
        answered = true;
        if (result.ok && result.value) {
            options.apiKey = *result.value;
            options.keySource = QStringLiteral("the system keychain");
        }
    });
    while (!answered)
        QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents, 100);
    if (store.storage() != SecretStorage::Keychain)
        printErr(QStringLiteral("note: %1").arg(store.statusText()));
}

} // namespace

int runSendCommand(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("insights-debugger"));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Send events (a request body, one event, or NDJSON) through a persistent outbox.\n"
        "Exit status: 0 all accepted (and logged), 1 any rejected, failed or not logged, 2 usage or input "
        "error."));
    parser.addHelpOption();
    parser.addPositionalArgument(QStringLiteral("FILE"),
                                 QStringLiteral("events to send; - for standard input"));
    const QCommandLineOption toOption(
        QStringLiteral("to"),
        QStringLiteral("local (default, http://127.0.0.1:8421), us, de, global or a URL"),
        QStringLiteral("TARGET"), QStringLiteral("local"));
    const QCommandLineOption appIdOption(QStringLiteral("app-id"),
                                         QStringLiteral("Algolia application ID (else ALGOLIA_APP_ID)"),
                                         QStringLiteral("ID"));
    const QCommandLineOption apiKeyOption(
        QStringLiteral("api-key"),
        QStringLiteral("API key (prefer ALGOLIA_API_KEY: a command line is visible to other users)"),
        QStringLiteral("KEY"));
    const QString maxBatch = QString::number(RequestLimits::kMaxEvents);
    const QCommandLineOption batchOption(
        QStringLiteral("batch-size"), QStringLiteral("events per request, 1-%1 (default %1)").arg(maxBatch),
        QStringLiteral("N"), maxBatch);
    const QCommandLineOption concurrencyOption(QStringLiteral("concurrency"),
                                               QStringLiteral("requests in flight at once (default 2)"),
                                               QStringLiteral("N"), QStringLiteral("2"));
    const QCommandLineOption timeoutOption(
        QStringLiteral("timeout"), QStringLiteral("transfer timeout per request in ms (default 30000)"),
        QStringLiteral("MS"), QStringLiteral("30000"));
    const QCommandLineOption attemptsOption(
        QStringLiteral("max-attempts"), QStringLiteral("attempts per request before giving up (default 6)"),
        QStringLiteral("N"), QStringLiteral("6"));
    const QCommandLineOption backoffOption(
        QStringLiteral("retry-delay"),
        QStringLiteral("first retry delay in ms, doubled each time (default 500)"), QStringLiteral("MS"),
        QStringLiteral("500"));
    const QCommandLineOption outboxOption(
        QStringLiteral("outbox"),
        QStringLiteral("outbox file (default: send-outbox.sqlite in the data folder)"),
        QStringLiteral("PATH"));
    const QCommandLineOption resumeOption(
        QStringLiteral("resume"),
        QStringLiteral("send only what an earlier, interrupted send left in the outbox"));
    const QCommandLineOption localUrlOption(
        QStringLiteral("local-url"),
        QStringLiteral("where --to local finds the embedded endpoint (default http://127.0.0.1:8421)"),
        QStringLiteral("URL"));
    const QCommandLineOption dataDirOption(
        QStringLiteral("data-dir"),
        DataFolder::optionHelp() +
            QStringLiteral(" Events sent to Algolia or a URL are logged there as \"sent\"."),
        QStringLiteral("DIR"));
    const QCommandLineOption gzipOption(
        QStringLiteral("gzip"),
        QStringLiteral("gzip request bodies: auto (the embedded endpoint only, default), always, never"),
        QStringLiteral("WHEN"), QStringLiteral("auto"));
    const QCommandLineOption noLogOption(QStringLiteral("no-log"),
                                         QStringLiteral("do not record sent events in the event log"));
    const QCommandLineOption quietOption(QStringLiteral("quiet"),
                                         QStringLiteral("no progress on standard error"));
    parser.addOptions({toOption, appIdOption, apiKeyOption, batchOption, concurrencyOption, timeoutOption,
                       attemptsOption, backoffOption, outboxOption, resumeOption, localUrlOption,
                       dataDirOption, gzipOption, noLogOption, quietOption});
    if (!parser.parse(QCoreApplication::arguments()))
        return usageError(parser.errorText());
    if (parser.isSet(QStringLiteral("help"))) {
        std::fputs(qPrintable(parser.helpText()), stdout);
        return kExitAccepted;
    }

    Options options;
    options.resume = parser.isSet(resumeOption);
    options.quiet = parser.isSet(quietOption);
    const QStringList positional = parser.positionalArguments();
    if (positional.size() > 1)
        return usageError(QStringLiteral("one input only (FILE or -)"));
    if (positional.isEmpty() && !options.resume)
        return usageError(QStringLiteral("missing FILE (or - for standard input, or --resume)"));
    if (!positional.isEmpty())
        options.input = positional.constFirst();

    const std::optional<InsightsTarget> target = InsightsTarget::parse(parser.value(toOption));
    if (!target)
        return usageError(QStringLiteral("--to takes local, us, de, global or an http(s) URL, not '%1'")
                              .arg(parser.value(toOption)));
    options.target = *target;
    options.appId =
        parser.isSet(appIdOption) ? parser.value(appIdOption) : qEnvironmentVariable("ALGOLIA_APP_ID");
    if (parser.isSet(apiKeyOption)) {
        options.apiKey = parser.value(apiKeyOption);
        options.keySource = QStringLiteral("--api-key");
    } else if (qEnvironmentVariableIsSet("ALGOLIA_API_KEY")) {
        options.apiKey = qEnvironmentVariable("ALGOLIA_API_KEY");
        options.keySource = QStringLiteral("ALGOLIA_API_KEY");
    }

    const auto intOption = [&parser](const QCommandLineOption& option, int min,
                                     int max) -> std::optional<int> {
        bool ok = false;
        const int value = parser.value(option).toInt(&ok);
        if (!ok || value < min || value > max)
            return std::nullopt;
        return value;
    };
    const std::optional<int> batchSize = intOption(batchOption, 1, RequestLimits::kMaxEvents);
    if (!batchSize)
        return usageError(QStringLiteral("--batch-size takes a number from 1 to %1").arg(maxBatch));
    const std::optional<int> concurrency = intOption(concurrencyOption, 1, 64);
    if (!concurrency)
        return usageError(QStringLiteral("--concurrency takes a number from 1 to 64"));
    const std::optional<int> timeout = intOption(timeoutOption, 100, 600'000);
    if (!timeout)
        return usageError(QStringLiteral("--timeout takes milliseconds from 100 to 600000"));
    const std::optional<int> attempts = intOption(attemptsOption, 1, 100);
    if (!attempts)
        return usageError(QStringLiteral("--max-attempts takes a number from 1 to 100"));
    const std::optional<int> backoff = intOption(backoffOption, 0, 600'000);
    if (!backoff)
        return usageError(QStringLiteral("--retry-delay takes milliseconds from 0 to 600000"));
    options.client.limits.maxEvents = *batchSize;
    options.client.concurrency = *concurrency;
    options.client.transferTimeoutMs = *timeout;
    options.client.retry.maxAttempts = *attempts;
    options.client.retry.baseDelayMs = *backoff;
    const QString gzip = parser.value(gzipOption);
    if (gzip == QLatin1String("always"))
        options.client.gzip = GzipBodies::Always;
    else if (gzip == QLatin1String("never"))
        options.client.gzip = GzipBodies::Never;
    else if (gzip != QLatin1String("auto"))
        return usageError(QStringLiteral("--gzip takes auto, always or never"));
    if (parser.isSet(localUrlOption)) {
        const std::optional<InsightsTarget> local = InsightsTarget::parse(parser.value(localUrlOption));
        if (!local || local->kind != TargetKind::Custom)
            return usageError(QStringLiteral("--local-url takes an http(s) URL"));
        options.client.hosts.local = local->customUrl;
    }
    options.client.agent = QByteArrayLiteral("insights-debugger (" INSIGHTS_VERSION "); send");

    const bool algoliaHost = options.target.kind == TargetKind::Us || options.target.kind == TargetKind::De ||
                             options.target.kind == TargetKind::Global;
    if (algoliaHost && options.appId.isEmpty())
        return usageError(
            QStringLiteral("--to %1 needs --app-id (or ALGOLIA_APP_ID)").arg(options.target.name()));
    if (algoliaHost && options.apiKey.isEmpty())
        readKeyFromKeychain(options, app);
    if (algoliaHost && options.apiKey.isEmpty())
        return usageError(
            QStringLiteral("--to %1 needs an API key: ALGOLIA_API_KEY, --api-key, or one saved in "
                           "the keychain by the desktop app")
                .arg(options.target.name()));

    // Read and decode the input before touching the outbox: a usage error leaves nothing behind.
    InputEvents input;
    if (!options.input.isEmpty()) {
        QString error;
        const std::optional<QByteArray> bytes = readInput(options.input, &error);
        if (!bytes)
            return usageError(error);
        std::variant<InputEvents, QString> read = readEvents(*bytes, options.input);
        if (const QString* readError = std::get_if<QString>(&read))
            return usageError(*readError);
        input = std::move(std::get<InputEvents>(read));
    }

    const DataFolder::Resolved dataFolder = DataFolder::resolve(parser.value(dataDirOption));
    if (!dataFolder.error.isEmpty())
        return usageError(dataFolder.error);
    options.outboxPath =
        parser.isSet(outboxOption) ? parser.value(outboxOption) : DataFolder::sendOutboxPath(dataFolder.path);
    // One process per outbox file: two senders would resend each other's in-flight events.
    QLockFile lock(options.outboxPath + QStringLiteral(".lock"));
    lock.setStaleLockTime(0);
    if (!lock.tryLock(0)) {
        qint64 pid = 0;
        QString host, appName;
        lock.getLockInfo(&pid, &host, &appName);
        return usageError(
            QStringLiteral("the outbox %1 is in use by another send (pid %2); wait for it or pass "
                           "--outbox")
                .arg(options.outboxPath)
                .arg(pid));
    }
    Outbox::OpenResult opened = Outbox::open(options.outboxPath);
    if (!opened.outbox)
        return usageError(opened.error);
    Outbox& outbox = *opened.outbox;

    InsightsClient client(&outbox);
    client.setOptions(options.client);
    client.setTarget(options.target);
    client.setCredentials(Credentials{options.appId, options.apiKey});

    // Events sent elsewhere than the embedded endpoint (which logs what it receives) are recorded in the
    // event log the desktop app and `serve` share, so that the live table shows them with their verdict.
    std::unique_ptr<EventLog> eventLog;
    // What the log stored and refused (commit callbacks run on its writer thread).
    struct LogOutcome
    {
        std::mutex mutex;
        qint64 logged = 0;
        qint64 notLogged = 0;
        QString firstError; // SQLite's reason
    };
    auto logOutcome = std::make_shared<LogOutcome>();
    if (!parser.isSet(noLogOption) && !options.target.isEmbeddedEndpoint()) {
        EventLogOptions logOptions;
        logOptions.path = DataFolder::eventLogPath(dataFolder.path);
        EventLog::OpenResult log = EventLog::open(logOptions);
        if (log.log) {
            eventLog = std::move(log.log);
            EventLog* sink = eventLog.get();
            client.setLogSink([sink, logOutcome](std::shared_ptr<const RecordBatch> records) {
                const qint64 size = records->size();
                sink->append(std::move(records),
                             [logOutcome, size](bool ok, qint64, qint64, const QString& error) {
                                 std::lock_guard lock(logOutcome->mutex);
                                 (ok ? logOutcome->logged : logOutcome->notLogged) += size;
                                 if (!ok && logOutcome->firstError.isEmpty())
                                     logOutcome->firstError = error;
                             });
            });
        } else {
            printErr(QStringLiteral("note: sent events are not logged: %1").arg(log.error));
        }
    }

    // --resume gives events that failed in an earlier run a new set of attempts.
    const qint64 requeued = options.resume ? outbox.requeueFailed(client.destination()) : 0;
    const qint64 leftOver = outbox.count(OutboxState::Queued, client.destination());
    const qint64 failedBefore = outbox.count(OutboxState::Failed, client.destination());
    if (leftOver > 0)
        printErr(
            QStringLiteral("resuming %1 event(s) left in the outbox by an earlier send (%2 of them failed "
                           "before)")
                .arg(leftOver)
                .arg(requeued));
    if (failedBefore > 0)
        printErr(QStringLiteral("note: %1 event(s) of an earlier send failed and stay in the outbox %2")
                     .arg(failedBefore)
                     .arg(options.outboxPath));

    QElapsedTimer clock;
    clock.start();
    const qint64 total = leftOver + input.size();
    const bool showProgress = !options.quiet && total >= kProgressThreshold;
    QElapsedTimer sinceProgress;
    sinceProgress.start();
    QObject::connect(&client, &InsightsClient::progress, &app, [&](qint64 finished, qint64) {
        if (!showProgress || sinceProgress.elapsed() < 500)
            return;
        sinceProgress.restart();
        printErr(QStringLiteral("progress: %1/%2 events").arg(finished).arg(total));
    });
    QObject::connect(&client, &InsightsClient::requestOutcome, &app, [&](const BatchOutcome& outcome) {
        if (outcome.kind == OutcomeKind::Retrying && !options.quiet)
            printErr(QStringLiteral("retrying %1 event(s) in %2 ms (attempt %3): %4")
                         .arg(outcome.eventCount)
                         .arg(outcome.retryInMs)
                         .arg(outcome.attempt + 1)
                         .arg(outcome.result.describe()));
        if (outcome.kind == OutcomeKind::Rejected && !options.quiet) {
            printErr(QStringLiteral("rejected %1 event(s): %2")
                         .arg(outcome.eventCount)
                         .arg(outcome.result.describe()));
            for (const Issue& issue : outcome.blame)
                printErr(QStringLiteral("  %1 (in its request): %2").arg(issue.path(), issue.message));
        }
        if (outcome.kind == OutcomeKind::Failed && !options.quiet)
            printErr(QStringLiteral("failed %1 event(s): %2")
                         .arg(outcome.eventCount)
                         .arg(outcome.result.describe()));
    });
    // Queue on a worker thread, in chunks, through a second connection to the outbox, while this thread
    // sends what is already queued: the network waits and the queueing overlap. Each chunk is committed
    // before its events can be taken, so a crash at any point leaves every event sent or in the outbox.
    bool allQueued = false;
    QString queueError;
    QObject::connect(&client, &InsightsClient::idle, &app, [&allQueued] {
        if (allQueued)
            QCoreApplication::exit(0);
    });
    const QString destination = client.destination();
    // Bodies are gzip-compressed here, on the queueing thread, and stored so.
    const BodyEncoding encoding = client.bodyEncoding();
    const QString outboxPath = options.outboxPath;
    QThread queueThread;
    QObject queueContext;
    queueContext.moveToThread(&queueThread);
    QObject::connect(&queueThread, &QThread::started, &queueContext, [&] {
        // Each chunk is one transaction of a few batch rows: the first requests leave once it is
        // committed, and an input of up to a chunk is wholly in the outbox before anything is sent.
        constexpr qsizetype kChunk = 5000;
        QString error;
        {
            Outbox::OpenResult writer = Outbox::open(outboxPath, Outbox::Recovery::None);
            if (!writer.outbox)
                error = writer.error;
            const qsizetype count = input.size();
            for (qsizetype at = 0; error.isEmpty() && at < count; at += kChunk) {
                const qint64 now = QDateTime::currentMSecsSinceEpoch();
                QList<QByteArrayView> jsons;
                QList<QByteArray> stamped;
                jsons.reserve(qMin(kChunk, count - at));
                for (qsizetype i = at; i < qMin(at + kChunk, count); ++i)
                    jsons.append(input.outgoing(i, now, stamped));
                if (writer.outbox->enqueueViews(jsons, destination, now, options.client.limits, encoding) < 0)
                    error = writer.outbox->lastError();
                else
                    QMetaObject::invokeMethod(&client, [&client] { client.sendQueued(); });
            }
        }
        // Every event is in the outbox now: free the decoded input here, while the requests run, rather
        // than at exit on the critical path.
        input = InputEvents();
        QMetaObject::invokeMethod(&client, [&, error] {
            if (!error.isEmpty()) {
                queueError = error;
                QCoreApplication::exit(kExitUsage);
                return;
            }
            allQueued = true;
            client.sendQueued(); // announces idle once everything went out
        });
        queueThread.quit();
    });
    queueThread.start();
    const int loopStatus = QCoreApplication::exec();
    queueThread.wait();
    if (loopStatus == kExitUsage && !queueError.isEmpty())
        return usageError(QStringLiteral("cannot queue the events: %1").arg(queueError));

    if (eventLog)
        eventLog->flush(); // every record committed before the summary claims it
    const SendStats stats = client.stats();
    const double seconds = static_cast<double>(clock.elapsed()) / 1000.0;
    std::printf("sent %lld event(s) to %s in %lld request(s), %.2f s (%.0f events/s)\n",
                static_cast<long long>(stats.sent), qPrintable(options.target.name()),
                static_cast<long long>(stats.requests), seconds,
                seconds > 0 ? static_cast<double>(stats.sent) / seconds : 0.0);
    std::printf("accepted %lld, rejected %lld%s, retried %lld, failed %lld\n",
                static_cast<long long>(stats.accepted), static_cast<long long>(stats.rejected),
                stats.firstRejection.isEmpty()
                    ? ""
                    : qPrintable(QStringLiteral(" (first: %1)").arg(stats.firstRejection)),
                static_cast<long long>(stats.retried), static_cast<long long>(stats.failed));
    if (stats.failed > 0)
        std::printf(
            "failed events stay in the outbox %s (%s); run again with --resume after fixing the cause\n",
            qPrintable(options.outboxPath), qPrintable(stats.firstFailure));
    bool logFailed = false;
    if (eventLog) {
        std::lock_guard lock(logOutcome->mutex);
        if (logOutcome->notLogged > 0) {
            logFailed = true;
            printErr(QStringLiteral("error: %1 of %2 sent event(s) could not be logged in %3: %4")
                         .arg(logOutcome->notLogged)
                         .arg(logOutcome->notLogged + logOutcome->logged)
                         .arg(eventLog->path(), logOutcome->firstError));
        } else {
            std::printf("logged %lld as sent in %s\n", static_cast<long long>(logOutcome->logged),
                        qPrintable(eventLog->path()));
        }
    }
    if (!options.keySource.isEmpty())
        std::printf("API key from %s (not shown)\n", qPrintable(options.keySource));
    std::fflush(stdout);
    return stats.rejected > 0 || stats.failed > 0 || logFailed ? kExitRejectedOrFailed : kExitAccepted;
}
