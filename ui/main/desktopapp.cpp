#include "desktopapp.h"

#include "composer/composerwidget.h"
#include "datafolder/datafolder.h"
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
#include <QElapsedTimer>
#include <QFileInfo>
#include <QIcon>
#include <QImage>
#include <QMessageBox>
#include <QPixmap>
#include <QRegularExpression>
#include <QTableView>
#include <QTimer>

#include <cstdio>

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
        const Event valid = composer->event();
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

    // The newest rejected event is selected: the details dock shows its verdict and "will it count".
    if (QTableView* table = window->debuggerPanel()->tableView(); table->model()->rowCount() > 0) {
        const QModelIndex last = table->model()->index(table->model()->rowCount() - 1, 0);
        table->setCurrentIndex(last);
        const qint64 id = last.data(EventTableModel::RecordIdRole).toLongLong();
        waitFor([&] { return window->debuggerPanel()->detailsPane()->recordId() == id; }, 3000);
        settle.restart();
        waitFor([&] { return settle.elapsed() > 300; }, 1000);
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
    parser.addOptions({dataDirOption, portOption, screenshotOption, sizeOption, themeOption});
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
