#include "desktopapp.h"

#include "catalog/catalogset.h"
#include "client/httptransport.h"
#include "composer/composerwidget.h"
#include "datafolder/datafolder.h"
#include "debugger/chartspane.h"
#include "debugger/debuggerpanel.h"
#include "debugger/detailspane.h"
#include "desktopsession.h"
#include "log/eventlog.h"
#include "mainwindow.h"
#include "style/appearance.h"
#include "users/testusermodel.h"
#include "views/eventtablemodel.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QDeadlineTimer>
#include <QDockWidget>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QIcon>
#include <QImage>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMessageBox>
#include <QPixmap>
#include <QRegularExpression>
#include <QTabWidget>
#include <QTableView>
#include <QTimer>
#include <QUrl>

#include <algorithm>
#include <cstdio>
#include <iterator>

namespace {

// Waits, running the event loop, until `done` holds or the deadline passes.
bool waitFor(const std::function<bool()>& done, int timeoutMs)
{
    QDeadlineTimer deadline(timeoutMs);
    while (!done()) {
        if (deadline.hasExpired())
            return false;
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
    }
    return true;
}

} // namespace

namespace {

struct SampleSearch
{
    QString queryId;
    QString objectId;
    qint64 position = 0;
};

// Searches the sample index on the session's own endpoint as a site would (clickAnalytics on, the user's
// token), and picks the second hit; nullopt when the search is off or did not answer.
std::optional<SampleSearch> searchSample(DesktopSession& session, const QString& userToken)
{
    HttpTransport http;
    SendRequest request;
    request.url = QUrl(session.endpointBaseUrl() + QStringLiteral("/1/indexes/") +
                       CatalogSet::sampleIndexName() + QStringLiteral("/query"));
    request.body = QByteArrayLiteral("{\"query\":\"\",\"hitsPerPage\":5,\"clickAnalytics\":true}");
    request.headers = {{QByteArrayLiteral("content-type"), QByteArrayLiteral("application/json")},
                       {QByteArrayLiteral("x-algolia-application-id"), QByteArrayLiteral("SCREENSHOT")},
                       {QByteArrayLiteral("x-algolia-api-key"), QByteArrayLiteral("any-key")},
                       {QByteArrayLiteral("x-algolia-usertoken"), userToken.toUtf8()}};
    std::optional<SendResult> answer;
    http.execute(request, &http, [&answer](const SendResult& result) { answer = result; });
    waitFor([&] { return answer.has_value(); }, 5000);
    if (!answer || answer->httpStatus != 200)
        return std::nullopt;
    const QJsonObject json = QJsonDocument::fromJson(answer->body).object();
    const QJsonArray hits = json.value(QLatin1String("hits")).toArray();
    const QString queryId = json.value(QLatin1String("queryID")).toString();
    if (hits.size() < 2 || queryId.isEmpty())
        return std::nullopt;
    return SampleSearch{queryId, hits.at(1).toObject().value(QLatin1String("objectID")).toString(), 2};
}

} // namespace

int renderScreenshot(DesktopSession& session, const QString& path, const ScreenshotOptions& options)
{
    MainWindow* window = session.window();
    // Not saved: a screenshot run never changes the data folder's look.
    if (options.theme)
        Appearance::applyTheme(*options.theme);
    window->resize(options.size);
    window->show();
    ComposerWidget* composer = window->composer();
    composer->loadExample();

    // Sample content that shows the verdicts: a valid click after search and a rejected one, both sent
    // through the real path (client -> embedded endpoint -> log). The rejected one stays in the composer,
    // with its error shown at the field.
    const bool fresh = session.log()->lastId() == 0;
    if (fresh && session.users()->rowCount() == 1) {
        const QString id = session.users()->create(QStringLiteral("Returning customer"));
        session.users()->logIn(id, QStringLiteral("customer-4821"));
    }
    if (!session.endpointBaseUrl().isEmpty()) {
        const qint64 before = session.log()->lastId();
        Event valid = composer->event();
        // The click cites a real search: the endpoint's local search answers it (with a queryID) and
        // records it, so the table shows the search and the click linked to it.
        if (const std::optional<SampleSearch> search =
                searchSample(session, valid.userToken.value_or(QString()))) {
            valid.index = CatalogSet::sampleIndexName();
            valid.queryID = search->queryId;
            valid.objectIDs = QStringList{search->objectId};
            valid.positions = QList<qint64>{search->position};
            composer->setEvent(valid);
        }
        window->sendEvents(composer->eventsToSend());
        Event rejected = valid;
        rejected.positions = QList<qint64>{0, 2};
        composer->setEvent(rejected);
        window->sendEvents(composer->eventsToSend());
        waitFor([&] { return session.log()->lastId() >= before + 2; }, 5000);
    }
    // Let the live table announce its rows (it batches on a short timer) and the layout settle.
    QElapsedTimer settle;
    settle.start();
    waitFor([&] { return settle.elapsed() > 400; }, 1000);

    // The newest rejected event is selected: the details dock shows its verdict and "will it count"; or the
    // valid click before it, with the search it cites.
    if (QTableView* table = window->debuggerPanel()->tableView(); table->model()->rowCount() > 0) {
        const QAbstractItemModel* model = table->model();
        // The two clicks race on the endpoint's threads, so their rows are found by status, not position:
        // the newest event answered `status`, else the newest row.
        const auto newestWithStatus = [model](int status) {
            for (int row = model->rowCount() - 1; row >= 0; --row) {
                const QModelIndex http = model->index(row, static_cast<int>(EventTableModel::Column::Http));
                if (model->index(row, 0).data(EventTableModel::KindRole).toInt() ==
                        static_cast<int>(RecordKind::Event) &&
                    http.data(EventTableModel::RawValueRole).toInt() == status)
                    return row;
            }
            return model->rowCount() - 1;
        };
        const int row = newestWithStatus(options.focus == ScreenshotOptions::Focus::Search ? 200 : 422);
        const QModelIndex chosen = model->index(row, 0);
        table->setCurrentIndex(chosen);
        const qint64 id = chosen.data(EventTableModel::RecordIdRole).toLongLong();
        DetailsPane* details = window->debuggerPanel()->detailsPane();
        waitFor([&] { return details->recordId() == id; }, 3000);
        if (options.focus == ScreenshotOptions::Focus::Search) {
            if (auto* tabs = details->findChild<QTabWidget*>(QStringLiteral("detailsTabs"))) {
                for (int tab = 0; tab < tabs->count(); ++tab)
                    if (tabs->tabText(tab) == QObject::tr("Search"))
                        tabs->setCurrentIndex(tab);
            }
        }
        if (options.focus == ScreenshotOptions::Focus::Charts) {
            for (QDockWidget* dock : window->docks())
                if (dock->objectName() == QLatin1String("chartsDock"))
                    window->showDock(dock);
            // Shown now, the charts count the log on a worker: wait for a refresh that includes the samples.
            ChartsPane* charts = window->debuggerPanel()->chartsPane();
            int refreshed = 0;
            const QMetaObject::Connection counting =
                QObject::connect(charts, &ChartsPane::refreshed, charts, [&refreshed] { ++refreshed; });
            waitFor([&] { return refreshed >= 2; }, 3000);
            QObject::disconnect(counting);
        }
        settle.restart();
        waitFor([&] { return settle.elapsed() > 500; }, 1000);
    }

    const QPixmap pixmap = window->grab();
    if (pixmap.isNull() || !pixmap.save(path, "PNG")) {
        std::fprintf(stderr, "insights-debugger: cannot write the screenshot %s\n", qPrintable(path));
        return 1;
    }
    std::printf("%s\n", qPrintable(QFileInfo(path).absoluteFilePath()));
    return 0;
}

int runDesktopApp(int argc, char** argv)
{
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("insights-debugger"));
    QApplication::setApplicationDisplayName(QStringLiteral("Insights Events Debugger"));
    QApplication::setApplicationVersion(QStringLiteral(INSIGHTS_UI_VERSION));
    QApplication::setDesktopFileName(QStringLiteral("io.github.insights_debugger.InsightsDebugger"));
    QApplication::setWindowIcon(QIcon(QStringLiteral(":/icons/insights-debugger.svg")));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Compose, send and debug Algolia Insights events."));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption dataDirOption(QStringLiteral("data-dir"), DataFolder::optionHelp(),
                                           QStringLiteral("DIR"));
    const QCommandLineOption portOption(QStringLiteral("port"),
                                        QStringLiteral("Embedded endpoint port (0 = any free port)."),
                                        QStringLiteral("N"));
    const QCommandLineOption screenshotOption(
        QStringLiteral("screenshot"),
        QStringLiteral("Start with sample content, save the window as a PNG, exit."), QStringLiteral("FILE"));
    const QCommandLineOption sizeOption(
        QStringLiteral("size"), QStringLiteral("With --screenshot: the window's size (default 1366x768)."),
        QStringLiteral("WxH"));
    const QCommandLineOption themeOption(
        QStringLiteral("theme"), QStringLiteral("With --screenshot: light or dark (default: as saved)."),
        QStringLiteral("light|dark"));
    const QCommandLineOption showOption(
        QStringLiteral("show"),
        QStringLiteral("With --screenshot: the details of the rejected click (default), of the click "
                       "linked to its search, or the charts."),
        QStringLiteral("rejected|search|charts"));
    parser.addOptions({dataDirOption, portOption, screenshotOption, sizeOption, themeOption, showOption});
    parser.process(app);
    ScreenshotOptions shot;
    if (parser.isSet(sizeOption)) {
        static const QRegularExpression pattern(QStringLiteral("^(\\d{3,5})x(\\d{3,5})$"));
        const QRegularExpressionMatch match = pattern.match(parser.value(sizeOption));
        if (!match.hasMatch()) {
            std::fprintf(stderr, "insights-debugger: --size takes WIDTHxHEIGHT, e.g. 1366x768\n");
            return 2;
        }
        shot.size = QSize(match.captured(1).toInt(), match.captured(2).toInt());
    }
    if (parser.isSet(themeOption)) {
        shot.theme = Appearance::themeFromName(parser.value(themeOption));
        if (!shot.theme || *shot.theme == Appearance::Theme::System) {
            std::fprintf(stderr, "insights-debugger: --theme takes light or dark\n");
            return 2;
        }
    }

    if (parser.isSet(showOption)) {
        static const std::pair<QLatin1String, ScreenshotOptions::Focus> choices[] = {
            {QLatin1String("rejected"), ScreenshotOptions::Focus::Rejected},
            {QLatin1String("search"), ScreenshotOptions::Focus::Search},
            {QLatin1String("charts"), ScreenshotOptions::Focus::Charts},
        };
        const QString show = parser.value(showOption);
        const auto* choice = std::find_if(std::begin(choices), std::end(choices),
                                          [&show](const auto& entry) { return show == entry.first; });
        if (choice == std::end(choices)) {
            std::fprintf(stderr, "insights-debugger: --show takes rejected, search or charts\n");
            return 2;
        }
        shot.focus = choice->second;
    }

    DesktopOptions options;
    options.dataDir = parser.value(dataDirOption);
    if (parser.isSet(portOption)) {
        bool ok = false;
        const uint port = parser.value(portOption).toUInt(&ok);
        if (!ok || port > 65535) {
            std::fprintf(stderr, "insights-debugger: --port takes a number from 0 to 65535\n");
            return 2;
        }
        options.port = static_cast<quint16>(port);
    }
    const QString screenshot = parser.value(screenshotOption);
    // A screenshot run must not touch the user's keychain or depend on a free default port.
    if (!screenshot.isEmpty()) {
        options.inMemorySecrets = true;
        if (!options.port)
            options.port = 0;
    }

    DesktopSession::CreateResult created = DesktopSession::create(options);
    if (!created.session) {
        std::fprintf(stderr, "insights-debugger: %s\n", qPrintable(created.error));
        // Started from a desktop menu, nobody reads stderr: say it in a window too.
        if (screenshot.isEmpty())
            QMessageBox::critical(nullptr, QStringLiteral("Insights Events Debugger"), created.error);
        return 1;
    }
    if (!screenshot.isEmpty())
        return renderScreenshot(*created.session, screenshot, shot);

    MainWindow* window = created.session->window();
    window->show();
    const int status = QApplication::exec();
    window->saveWindowState();
    return status;
}
