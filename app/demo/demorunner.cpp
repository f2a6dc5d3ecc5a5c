#include "demorunner.h"

#include "catalog/indexcatalog.h"
#include "client/httptransport.h"
#include "client/insightstarget.h"
#include "demo/demopersona.h"
#include "event/eventcodec.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>
#include <climits>

namespace {

constexpr int kRequestTimeoutMs = 10'000;

QList<QPair<QByteArray, QByteArray>> credentials(const DemoRunOptions& options)
{
    return {{QByteArrayLiteral("x-algolia-application-id"), options.appId.toUtf8()},
            {QByteArrayLiteral("x-algolia-api-key"), options.apiKey.toUtf8()},
            {QByteArrayLiteral("content-type"), QByteArrayLiteral("application/json")}};
}

std::optional<DemoSearchAnswer> answerOf(const QByteArray& body)
{
    const QJsonObject result = QJsonDocument::fromJson(body).object();
    if (!result.contains(QStringLiteral("hits")))
        return std::nullopt;
    DemoSearchAnswer answer;
    answer.queryID = result.value(QStringLiteral("queryID")).toString();
    answer.page = result.value(QStringLiteral("page")).toInt();
    answer.hitsPerPage = result.value(QStringLiteral("hitsPerPage")).toInt(20);
    answer.nbPages = result.value(QStringLiteral("nbPages")).toInt();
    for (const QJsonValue& hit : result.value(QStringLiteral("hits")).toArray()) {
        const QString objectID = hit.toObject().value(QStringLiteral("objectID")).toString();
        if (!objectID.isEmpty())
            answer.objectIDs << objectID;
    }
    return answer;
}

QString describeEvent(const Event& event)
{
    QString text = event.eventType.value_or(QString());
    if (event.eventSubtype)
        text += QLatin1Char(' ') + *event.eventSubtype;
    if (event.objectIDs && !event.objectIDs->isEmpty())
        text += QLatin1Char(' ') + event.objectIDs->first();
    if (event.positions && !event.positions->isEmpty())
        text += QStringLiteral(" at ") + QString::number(event.positions->first());
    return text;
}

} // namespace

DemoRunner::DemoRunner(const IndexCatalog* catalog, DemoRunOptions options, QObject* parent)
    : QObject(parent)
    , m_catalog(catalog)
    , m_options(std::move(options))
    , m_http(new HttpTransport(this))
{
    m_deadline.setSingleShot(true);
    connect(&m_deadline, &QTimer::timeout, this, &DemoRunner::stop);
}

DemoRunner::~DemoRunner() = default;

std::optional<QString> DemoRunner::start()
{
    if (!m_catalog || m_catalog->isEmpty())
        return QStringLiteral("no index catalog to shop from");
    const QList<DemoPersona> personas = DemoPersonas::fromCatalog(*m_catalog, m_options.shoppers);
    if (personas.isEmpty())
        return QStringLiteral(
            "the catalog has no attribute to derive shoppers' tastes from (such as genres or "
            "categories)");
    m_options.speed = std::clamp(m_options.speed, 1.0, 100.0);
    m_shoppers.clear();
    for (int i = 0; i < m_options.shoppers; ++i) {
        DemoShopperOptions shopperOptions;
        shopperOptions.seed = m_options.seed;
        shopperOptions.mistakes = m_options.mistakes;
        shopperOptions.visits = m_options.durationSeconds > 0 ? INT_MAX : m_options.visits;
        m_shoppers.append(DemoShopper(i + 1, personas[i % personas.size()], m_catalog, shopperOptions));
    }
    m_next = QList<DemoAction>(m_shoppers.size());
    for (QTimer* timer : std::as_const(m_timers))
        timer->deleteLater();
    m_timers.clear();
    for (int i = 0; i < m_shoppers.size(); ++i) {
        auto* timer = new QTimer(this);
        timer->setSingleShot(true);
        connect(timer, &QTimer::timeout, this, [this, i] { perform(i); });
        m_timers << timer;
    }
    m_summary = DemoRunSummary();
    m_summary.shoppers = static_cast<int>(m_shoppers.size());
    m_running = true;
    m_clock.start();
    if (m_options.durationSeconds > 0)
        m_deadline.start(m_options.durationSeconds * 1000);
    for (int i = 0; i < m_shoppers.size(); ++i)
        schedule(i, std::nullopt);
    return std::nullopt;
}

void DemoRunner::stop()
{
    if (!m_running)
        return;
    m_running = false;
    m_deadline.stop();
    for (QTimer* timer : std::as_const(m_timers))
        timer->stop();
    maybeFinish();
}

void DemoRunner::maybeFinish()
{
    if (m_running) {
        const bool allDone = std::all_of(m_shoppers.begin(), m_shoppers.end(),
                                         [](const DemoShopper& shopper) { return shopper.finished(); });
        if (!allDone || !m_busy.isEmpty())
            return;
        m_running = false;
        m_deadline.stop();
    }
    if (!m_busy.isEmpty())
        return;
    m_summary.elapsedMs = m_clock.elapsed();
    Q_EMIT finished();
}

void DemoRunner::schedule(int shopper, const std::optional<DemoSearchAnswer>& answer)
{
    if (!m_running) {
        maybeFinish();
        return;
    }
    DemoAction action = m_shoppers[shopper].next(answer, QDateTime::currentMSecsSinceEpoch());
    if (action.kind == DemoAction::Kind::Finished) {
        maybeFinish();
        return;
    }
    const qint64 delay = static_cast<qint64>(static_cast<double>(action.thinkMs) / m_options.speed);
    m_next[shopper] = std::move(action);
    m_timers[shopper]->start(static_cast<int>(std::min<qint64>(delay, INT_MAX)));
}

void DemoRunner::perform(int shopper)
{
    if (!m_running)
        return;
    DemoAction& action = m_next[shopper];
    switch (action.kind) {
    case DemoAction::Kind::Search:
        search(shopper, action.search);
        return;
    case DemoAction::Kind::Send: {
        if (m_options.maxEventsPerSecond > 0) {
            // A per-second budget: an event over it waits for the next second.
            const qint64 second = m_clock.elapsed() / 1000;
            if (second != m_rateSecond) {
                m_rateSecond = second;
                m_eventsThisSecond = 0;
            }
            if (m_eventsThisSecond >= static_cast<qint64>(m_options.maxEventsPerSecond)) {
                m_timers[shopper]->start(static_cast<int>(1000 - m_clock.elapsed() % 1000));
                return;
            }
            ++m_eventsThisSecond;
        }
        // Collected now: the event carries the moment it is sent, not the moment it was scripted.
        action.event.timestamp = action.mistake == DemoMistake::StaleTimestamp
                                     ? action.event.timestamp
                                     : std::optional<qint64>(QDateTime::currentMSecsSinceEpoch());
        sendEvent(shopper, action);
        return;
    }
    case DemoAction::Kind::Login:
        ++m_summary.logins;
        Q_EMIT actionDone(
            QStringLiteral("shopper %1 (%2): logs in as %3")
                .arg(m_shoppers[shopper].number())
                .arg(m_shoppers[shopper].persona().name, m_shoppers[shopper].authenticatedToken()));
        schedule(shopper, std::nullopt);
        return;
    case DemoAction::Kind::Finished:
        maybeFinish();
        return;
    }
}

void DemoRunner::search(int shopper, const DemoSearch& search)
{
    SendRequest request;
    request.url =
        joinUrl(m_options.searchBase, QStringLiteral("/1/indexes/") +
                                          QString::fromLatin1(QUrl::toPercentEncoding(search.index)) +
                                          QStringLiteral("/query"));
    request.headers = credentials(m_options);
    request.headers.append({QByteArrayLiteral("x-algolia-usertoken"), search.userToken.toUtf8()});
    request.timeoutMs = kRequestTimeoutMs;
    const QJsonObject params{{QStringLiteral("query"), search.query},
                             {QStringLiteral("page"), search.page},
                             {QStringLiteral("hitsPerPage"), search.hitsPerPage},
                             {QStringLiteral("clickAnalytics"), true}};
    request.body = QJsonDocument(params).toJson(QJsonDocument::Compact);
    m_busy.insert(shopper);
    ++m_summary.searches;
    m_http->execute(request, this, [this, shopper, search](const SendResult& result) {
        m_busy.remove(shopper);
        std::optional<DemoSearchAnswer> answer = result.isSuccess() ? answerOf(result.body) : std::nullopt;
        if (!answer) {
            ++m_summary.searchesFailed;
            if (m_summary.firstFailure.isEmpty())
                m_summary.firstFailure = QStringLiteral("search: ") + result.describe();
        }
        Q_EMIT actionDone(
            QStringLiteral("shopper %1 (%2): searches \"%3\" page %4 → %5")
                .arg(m_shoppers[shopper].number())
                .arg(m_shoppers[shopper].persona().name, search.query)
                .arg(search.page + 1)
                .arg(answer ? QStringLiteral("%1 hits").arg(answer->objectIDs.size()) : result.describe()));
        schedule(shopper, answer);
    });
}

void DemoRunner::sendEvent(int shopper, const DemoAction& action)
{
    SendRequest request;
    request.url = joinUrl(m_options.insightsBase, QStringLiteral("/1/events"));
    request.headers = credentials(m_options);
    request.timeoutMs = kRequestTimeoutMs;
    request.body = EventCodec::encodeBatch({action.event});
    m_busy.insert(shopper);
    ++m_summary.events;
    if (action.mistake)
        ++m_summary.mistakes[*action.mistake];
    const QString what = describeEvent(action.event);
    m_http->execute(request, this, [this, shopper, what](const SendResult& result) {
        m_busy.remove(shopper);
        if (result.isSuccess())
            ++m_summary.accepted;
        else if (result.status == SendStatus::HttpError && result.httpStatus >= 400 &&
                 result.httpStatus < 500)
            ++m_summary.rejected;
        else {
            ++m_summary.failed;
            if (m_summary.firstFailure.isEmpty())
                m_summary.firstFailure = QStringLiteral("event: ") + result.describe();
        }
        Q_EMIT actionDone(
            QStringLiteral("shopper %1 (%2): %3 → %4")
                .arg(m_shoppers[shopper].number())
                .arg(m_shoppers[shopper].persona().name, what,
                     result.httpStatus ? QString::number(result.httpStatus) : result.describe()));
        schedule(shopper, std::nullopt);
    });
}
