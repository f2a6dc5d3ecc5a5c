#include "insightsclient.h"

#include "secrets/secretstore.h"

#include "event/eventcodec.h"
#include "event/eventview.h"
#include "event/validator.h"
#include "log/recordbatch.h"
#include "log/recordbuilder.h"

#include <QDateTime>
#include <QMetaMethod>
#include <QTimer>
#include <QUuid>

#include <algorithm>

namespace {

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

QString newRequestId()
{
    return QUuid::createUuid().toString(QUuid::WithoutBraces);
}

} // namespace

struct InsightsClient::ActiveBatch
{
    OutboxBatch entries;
    QString destination;
    InsightsTarget target;
    QString appId;
    int attempt = 1;   // the attempt being made (or about to be)
    QString requestId; // of the current attempt
    QTimer* retryTimer = nullptr;
    quint64 transportId = 0;
};

InsightsClient::InsightsClient(Outbox* outbox, QObject* parent)
    : QObject(parent)
    , m_outbox(outbox)
    , m_transport(new HttpTransport(this))
    , m_random(std::random_device{}())
{
    qRegisterMetaType<BatchOutcome>();
    qRegisterMetaType<OutboxSnapshot>();
    qRegisterMetaType<UserTokenDeletion>();
    qRegisterMetaType<ProfileLookup>();
}

InsightsClient::~InsightsClient()
{
    // Events in flight go back to the queue: the next run sends them (at-least-once).
    const auto active = m_active;
    for (const auto& batch : active)
        m_outbox->release(batch->entries.rows);
    m_active.clear();
    m_transport->abortAll();
}

void InsightsClient::setOptions(const ClientOptions& options)
{
    m_options = options;
    m_options.concurrency = qMax(1, m_options.concurrency);
    m_options.limits.maxEvents = qBound(1, m_options.limits.maxEvents, RequestLimits::kMaxEvents);
    m_options.limits.maxBodyBytes =
        qBound(qint64(1024), m_options.limits.maxBodyBytes, RequestLimits::kMaxBodyBytes);
}

void InsightsClient::setTarget(const InsightsTarget& target)
{
    m_target = target;
    Q_EMIT destinationChanged();
}

void InsightsClient::setCredentials(const Credentials& credentials)
{
    m_credentials = credentials;
    Q_EMIT destinationChanged();
}

void InsightsClient::setDestination(const InsightsTarget& target, const Credentials& credentials)
{
    m_target = target;
    m_credentials = credentials;
    Q_EMIT destinationChanged();
}

void InsightsClient::loadCredentials(SecretStore* store, const QString& appId)
{
    store->readApiKey(appId, this, [this, appId](const SecretResult& result) {
        const bool found = result.ok && result.value.has_value();
        setCredentials(Credentials{appId, found ? *result.value : QString()});
        Q_EMIT credentialsLoaded(found);
    });
}

void InsightsClient::setLogSink(LogSink sink)
{
    m_logSink = std::move(sink);
}

QString InsightsClient::destination() const
{
    return m_target.name() + QLatin1Char('|') + m_credentials.appId;
}

bool InsightsClient::gzipFor(const InsightsTarget& target) const
{
    return m_options.gzip == GzipBodies::Always ||
           (m_options.gzip == GzipBodies::EmbeddedEndpoint && target.isEmbeddedEndpoint());
}

BodyEncoding InsightsClient::bodyEncoding() const
{
    // Every target: a tenth of the bytes to write, sync and checkpoint for each event that waits. A body
    // for a target that takes plain ones is inflated at most once per request (never for one queued by
    // this process: the outbox keeps its plain bytes until it is taken).
    return BodyEncoding::Gzip;
}

QList<QPair<QByteArray, QByteArray>> InsightsClient::authHeaders() const
{
    QList<QPair<QByteArray, QByteArray>> headers;
    QByteArray appId = m_credentials.appId.toUtf8();
    QByteArray apiKey = m_credentials.apiKey.toUtf8();
    // The embedded endpoint answers 401 like Algolia when credentials are missing, but accepts any unless
    // started with required ones: stand-ins let `send --to local` work without an Algolia account.
    if (m_target.isEmbeddedEndpoint() && appId.isEmpty())
        appId = QByteArrayLiteral("insights-debugger");
    if (m_target.isEmbeddedEndpoint() && apiKey.isEmpty())
        apiKey = QByteArrayLiteral("local");
    if (!appId.isEmpty())
        headers.append({QByteArrayLiteral("x-algolia-application-id"), appId});
    if (!apiKey.isEmpty())
        headers.append({QByteArrayLiteral("x-algolia-api-key"), apiKey});
    return headers;
}

qint64 InsightsClient::enqueue(const QList<Event>& events)
{
    if (events.isEmpty())
        return 0;
    const qint64 queued = m_outbox->enqueue(events, destination(), nowMs(), m_options.limits, bodyEncoding());
    if (queued < 0) {
        m_error = m_outbox->lastError();
        return 0;
    }
    Q_EMIT outboxChanged();
    sendQueued();
    return queued;
}

qint64 InsightsClient::enqueueRaw(const QList<QByteArray>& jsons)
{
    if (jsons.isEmpty())
        return 0;
    const qint64 queued =
        m_outbox->enqueueRaw(jsons, destination(), nowMs(), m_options.limits, bodyEncoding());
    if (queued < 0) {
        m_error = m_outbox->lastError();
        return 0;
    }
    Q_EMIT outboxChanged();
    sendQueued();
    return queued;
}

void InsightsClient::sendQueued()
{
    m_idleAnnounced = false;
    // One count per call, not per batch: progress then follows from the batches taken.
    m_queued = m_outbox->count(OutboxState::Queued, destination());
    pump();
    checkIdle();
}

qint64 InsightsClient::retryFailed()
{
    const qint64 count = m_outbox->requeueFailed(destination());
    Q_EMIT outboxChanged();
    sendQueued();
    return count;
}

qint64 InsightsClient::retryAllFailed()
{
    const qint64 count = m_outbox->requeueFailed();
    Q_EMIT outboxChanged();
    sendQueued();
    return count;
}

qint64 InsightsClient::retryBatches(const QList<qint64>& rows)
{
    const qint64 count = m_outbox->requeue(rows);
    Q_EMIT outboxChanged();
    sendQueued();
    return count;
}

qint64 InsightsClient::discardBatches(const QList<qint64>& rows)
{
    // Rows in flight belong to an active batch: stop it (its retry timer or its request) and let it go,
    // all its rows with it (a request carries them together).
    QList<qint64> toDiscard = rows;
    const auto active = m_active;
    for (const auto& batch : active) {
        const bool hit = std::any_of(rows.cbegin(), rows.cend(),
                                     [&](qint64 row) { return batch->entries.rows.contains(row); });
        if (!hit)
            continue;
        m_active.remove(batch.get()); // first: the aborted request's handler then finds nothing to do
        if (batch->retryTimer) {
            batch->retryTimer->stop();
            batch->retryTimer->deleteLater();
            batch->retryTimer = nullptr;
        }
        m_transport->abort(batch->transportId);
        m_outbox->release(batch->entries.rows);
        for (qint64 row : std::as_const(batch->entries.rows)) {
            if (!toDiscard.contains(row))
                toDiscard.append(row);
        }
    }
    const qint64 count = m_outbox->discard(toDiscard);
    Q_EMIT outboxChanged();
    sendQueued(); // a freed concurrency slot takes the next batch
    return count;
}

qint64 InsightsClient::discardAllFailed()
{
    const qint64 count = m_outbox->discardFailed();
    Q_EMIT outboxChanged();
    return count;
}

void InsightsClient::listOutbox(int limit)
{
    OutboxSnapshot snapshot;
    snapshot.batches = m_outbox->batches(limit);
    snapshot.destination = destination();
    snapshot.inFlight = m_outbox->count(OutboxState::InFlight);
    snapshot.queued = m_outbox->count(OutboxState::Queued);
    snapshot.failed = m_outbox->count(OutboxState::Failed);
    snapshot.error = m_outbox->lastError();
    Q_EMIT outboxListed(snapshot);
}

bool InsightsClient::isIdle() const
{
    return m_active.isEmpty() && m_outbox->count(OutboxState::Queued, destination()) == 0;
}

qint64 InsightsClient::queuedCount() const
{
    qint64 inFlight = 0;
    for (const auto& batch : m_active)
        inFlight += batch->entries.eventCount();
    return inFlight + m_queued;
}

void InsightsClient::pump()
{
    m_outboxDry = false;
    bool took = false;
    while (m_active.size() < m_options.concurrency) {
        auto batch = std::make_shared<ActiveBatch>();
        batch->destination = destination();
        batch->entries = m_outbox->takeBatch(batch->destination, m_options.limits);
        if (batch->entries.isEmpty()) {
            m_queued = 0;
            m_outboxDry = true;
            break;
        }
        took = true;
        m_queued = qMax<qint64>(0, m_queued - batch->entries.eventCount());
        batch->target = m_target;
        batch->appId = m_credentials.appId;
        batch->attempt = batch->entries.maxAttempts + 1;
        m_active.insert(batch.get(), batch);
        m_stats.sent += batch->entries.eventCount(); // once per batch taken, retries not counted again
        startAttempt(batch);
    }
    if (took)
        Q_EMIT outboxChanged(); // queued batches are in flight now
}

void InsightsClient::startAttempt(const std::shared_ptr<ActiveBatch>& batch)
{
    batch->retryTimer = nullptr;
    batch->requestId = newRequestId();
    SendRequest request;
    request.method = QByteArrayLiteral("POST");
    QUrl url = joinUrl(batch->target.baseUrl(m_options.hosts), QStringLiteral("/1/events"));
    request.url = url;
    // The body was built (and compressed, for a target that takes gzip) when the events were queued.
    const bool gzip = gzipFor(batch->target);
    request.bodyIsGzip = gzip && batch->entries.gzipped;
    if (batch->entries.gzipped && !gzip && batch->entries.plain.isEmpty())
        batch->entries.plain = batch->entries.plainBody(); // once: retries and the log records reuse it
    request.body = batch->entries.gzipped && !gzip ? batch->entries.plain : batch->entries.body;
    request.gzipBody = gzip && !batch->entries.gzipped;
    request.timeoutMs = m_options.transferTimeoutMs;
    request.headers = authHeaders();
    request.headers.append({QByteArrayLiteral("content-type"), QByteArrayLiteral("application/json")});
    request.headers.append({QByteArrayLiteral("x-algolia-agent"), m_options.agent});
    if (batch->target.isEmbeddedEndpoint()) {
        // The endpoint logs these as Sent itself: one row per event, not one from each side.
        request.headers.append({QByteArrayLiteral("x-insights-debugger-sent"), QByteArrayLiteral("1")});
    }
    ++m_stats.requests;
    batch->transportId = m_transport->execute(
        request, this, [this, batch](const SendResult& result) { handleResult(batch, result); });
}

void InsightsClient::handleResult(const std::shared_ptr<ActiveBatch>& batch, const SendResult& received)
{
    if (!m_active.contains(batch.get()))
        return;
    SendResult result = received;
    if (result.requestId.isEmpty())
        result.requestId = batch->requestId;
    const int count = batch->entries.eventCount();
    BatchOutcome outcome;
    outcome.eventCount = count;
    outcome.attempt = batch->attempt;
    outcome.result = result;
    outcome.requestId = result.requestId;
    outcome.rows = batch->entries.rows;
    outcome.destination = batch->destination;
    // As the file said when the rows were taken: a row in flight is not failed, so no retry changed it.
    outcome.retries = batch->entries.maxRetries;

    if (result.status == SendStatus::Cancelled) {
        m_outbox->release(batch->entries.rows);
        m_active.remove(batch.get());
        return;
    }
    if (result.isSuccess()) {
        outcome.kind = OutcomeKind::Accepted;
        m_stats.accepted += count;
        m_outbox->remove(batch->entries.rows);
        finishBatch(batch);
        pump(); // the next request leaves before this one's records are made
        record(*batch, result, true, result.message, {});
        Q_EMIT requestOutcome(outcome);
        Q_EMIT outboxChanged();
        checkIdle();
        return;
    }
    if (!result.isRetryable()) {
        // A 4xx is the verdict the debugger exists to show: never retried, never dropped.
        outcome.kind = OutcomeKind::Rejected;
        m_stats.rejected += count;
        if (m_stats.firstRejection.isEmpty())
            m_stats.firstRejection = result.describe();
        if (result.httpStatus == 422)
            outcome.blame = blame422(*batch);
        record(*batch, result, false, result.message, outcome.blame);
        m_outbox->remove(batch->entries.rows);
        finishBatch(batch);
        Q_EMIT requestOutcome(outcome);
        Q_EMIT outboxChanged();
        pump();
        checkIdle();
        return;
    }
    std::uniform_real_distribution<double> jitter(0.0, 1.0);
    const std::optional<qint64> delay =
        m_options.retry.delayBeforeRetry(result, batch->attempt, nowMs(), jitter(m_random));
    if (delay) {
        outcome.kind = OutcomeKind::Retrying;
        outcome.retryInMs = *delay;
        m_stats.retried += count;
        m_outbox->recordAttempt(batch->entries.rows, result.describe());
        ++batch->attempt;
        // The batch keeps its concurrency slot while it waits: a 429 slows this client down as asked.
        batch->retryTimer = new QTimer(this);
        batch->retryTimer->setSingleShot(true);
        connect(batch->retryTimer, &QTimer::timeout, this, [this, batch] {
            batch->retryTimer->deleteLater();
            if (m_active.contains(batch.get()))
                startAttempt(batch);
        });
        batch->retryTimer->start(static_cast<int>(qMin<qint64>(*delay, std::numeric_limits<int>::max())));
        Q_EMIT requestOutcome(outcome);
        Q_EMIT outboxChanged(); // its attempts and reason changed
        return;
    }
    outcome.kind = OutcomeKind::Failed;
    const QString reason =
        batch->attempt >= m_options.retry.maxAttempts
            ? QStringLiteral("gave up after %1 attempts; last: %2").arg(batch->attempt).arg(result.describe())
            : QStringLiteral("gave up: the server asks to wait too long; last: %1").arg(result.describe());
    m_stats.failed += count;
    if (m_stats.firstFailure.isEmpty())
        m_stats.firstFailure = reason;
    m_outbox->markFailed(batch->entries.rows, reason);
    outcome.failure = reason;
    SendResult failed = result;
    record(*batch, failed, false, reason, {});
    finishBatch(batch);
    Q_EMIT requestOutcome(outcome);
    Q_EMIT outboxChanged();
    pump();
    checkIdle();
}

void InsightsClient::finishBatch(const std::shared_ptr<ActiveBatch>& batch)
{
    m_finishedEvents += batch->entries.eventCount();
    m_active.remove(batch.get());
    Q_EMIT progress(m_finishedEvents, queuedCount());
}

void InsightsClient::checkIdle()
{
    // The outbox ran dry in the last pump (no count query per batch: it costs more than the batch).
    if (m_idleAnnounced || !m_active.isEmpty() || !m_outboxDry)
        return;
    m_idleAnnounced = true;
    // Queued so that a caller connecting after enqueue() still sees it.
    QTimer::singleShot(0, this, [this] {
        if (m_active.isEmpty())
            Q_EMIT idle();
    });
}

IssueList InsightsClient::blame422(const ActiveBatch& batch) const
{
    const QList<QByteArray> jsons = batch.entries.jsons();
    QList<Event> events;
    events.reserve(jsons.size());
    IssueList typeErrors;
    for (int i = 0; i < jsons.size(); ++i) {
        const DecodedBatch decoded = EventCodec::decodeEvent(jsons.at(i));
        events.append(decoded.events.isEmpty() ? Event{} : decoded.events.constFirst());
        for (Issue issue : decoded.typeErrors) {
            issue.eventIndex = i;
            typeErrors.append(issue);
        }
    }
    if (!typeErrors.isEmpty())
        return typeErrors;
    ValidationContext context;
    context.nowMs = nowMs();
    const BatchVerdict verdict = Validator::validateEvents(events, context);
    IssueList blame;
    for (const Issue& issue : verdict.allIssues()) {
        if (issue.isError())
            blame.append(issue);
    }
    return blame;
}

void InsightsClient::record(const ActiveBatch& batch, const SendResult& result, bool accepted,
                            const QString& message, const IssueList& issues)
{
    // The embedded endpoint logs what it receives (x-insights-debugger-sent); only what never reached
    // it is ours to record.
    const bool reachedEndpoint = result.httpStatus > 0;
    if (batch.target.isEmbeddedEndpoint() && reachedEndpoint)
        return;
    const bool listened = isSignalConnected(QMetaMethod::fromSignal(&InsightsClient::recordsSent));
    if (!m_logSink && !listened)
        return; // nobody keeps them (send --no-log)
    RequestFacts facts;
    facts.requestId = result.requestId.isEmpty() ? batch.requestId : result.requestId;
    facts.receivedAtMs = nowMs();
    facts.source = EventSource::Sent;
    facts.httpStatus = result.httpStatus;
    facts.accepted = accepted;
    facts.message = message;
    facts.appId = batch.appId;
    facts.target = batch.target.name();
    facts.agent = QString::fromUtf8(m_options.agent);
    // The body read back as views, in one pass, into the form the log's writer binds: the request's facts
    // once, rows of slices of the body (no Event, LogRecord or QString per event). Used when the views
    // split the body into exactly the events as queued; anything else (a body the view decoder reads
    // differently) is recorded event by event from the JSON texts.
    const QByteArray body = batch.entries.plainBody();
    const EventViewBatch views = EventCodec::decodeRequestViews(body);
    const QList<quint32>& lengths = batch.entries.lengths;
    bool viewsMatch = !views.payloadError && views.size() == lengths.size() && !lengths.isEmpty();
    for (qsizetype i = 0; viewsMatch && i < lengths.size(); ++i)
        viewsMatch = views.events[static_cast<size_t>(i)].rawJson.size() == lengths.at(i);
    std::shared_ptr<const RecordBatch> records;
    if (viewsMatch) {
        BatchVerdict verdict;
        verdict.events.resize(views.size());
        for (const Issue& issue : issues) {
            if (issue.eventIndex >= 0 && issue.eventIndex < verdict.events.size())
                verdict.events[issue.eventIndex].issues.append(issue);
        }
        records = RecordBuilder::requestBatch(facts, views, verdict, body);
    } else {
        QList<LogRecord> list;
        const QList<QByteArray> jsons = batch.entries.jsons();
        list.reserve(jsons.size());
        for (int i = 0; i < jsons.size(); ++i) {
            IssueList own;
            for (const Issue& issue : issues) {
                if (issue.eventIndex == i)
                    own.append(issue);
            }
            list.append(RecordBuilder::eventRecord(facts, jsons.at(i), i, std::move(own)));
        }
        // One request's records share its facts: one batch.
        std::vector<std::shared_ptr<const RecordBatch>> batches = RecordBatch::fromRecords(list);
        if (batches.empty())
            return;
        records = std::move(batches.front());
    }
    if (listened)
        Q_EMIT recordsSent(records->toRecords());
    if (m_logSink)
        m_logSink(std::move(records));
}

void InsightsClient::deleteUserToken(const QString& userToken)
{
    SendRequest request;
    request.method = QByteArrayLiteral("DELETE");
    request.url =
        joinUrl(m_target.baseUrl(m_options.hosts),
                QStringLiteral("/1/usertokens/") + QString::fromLatin1(QUrl::toPercentEncoding(userToken)));
    request.timeoutMs = m_options.transferTimeoutMs;
    request.headers = authHeaders();
    request.headers.append({QByteArrayLiteral("x-algolia-agent"), m_options.agent});
    m_transport->execute(request, this, [this, userToken](const SendResult& result) {
        Q_EMIT userTokenDeleted(UserTokenDeletion{userToken, result});
    });
}

void InsightsClient::fetchProfiles(const QString& userToken, Region region)
{
    fetchProfile(ProfileKind::Advanced, userToken, region);
    fetchProfile(ProfileKind::Classic, userToken, region);
}

void InsightsClient::fetchProfile(ProfileKind kind, const QString& userToken, Region region)
{
    const ClientHosts& hosts = m_options.hosts;
    const QString token = QString::fromLatin1(QUrl::toPercentEncoding(userToken));
    SendRequest request;
    request.method = QByteArrayLiteral("GET");
    if (kind == ProfileKind::Advanced) {
        request.url =
            joinUrl(region == Region::Eu ? hosts.advancedPersonalizationEu : hosts.advancedPersonalizationUs,
                    QStringLiteral("/2/users/") + token);
    } else {
        request.url = joinUrl(region == Region::Eu ? hosts.personalizationEu : hosts.personalizationUs,
                              QStringLiteral("/1/profiles/personalization/") + token);
    }
    request.timeoutMs = m_options.transferTimeoutMs;
    request.headers = authHeaders();
    request.headers.append({QByteArrayLiteral("accept"), QByteArrayLiteral("application/json")});
    m_transport->execute(request, this, [this, kind, userToken](const SendResult& result) {
        ProfileLookup lookup;
        lookup.kind = kind;
        lookup.userToken = userToken;
        lookup.result = result;
        if (result.isSuccess()) {
            if (kind == ProfileKind::Advanced)
                lookup.advanced = ProfileParser::parseAdvanced(result.body, &lookup.parseError);
            else
                lookup.classic = ProfileParser::parseClassic(result.body, &lookup.parseError);
        }
        Q_EMIT profileFetched(lookup);
    });
}
