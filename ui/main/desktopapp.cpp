#include "desktopapp.h"

#include "composer/composerwidget.h"
#include "desktopsession.h"
#include "log/eventlog.h"
#include "mainwindow.h"
#include "datafolder/datafolder.h"
#include "users/testusermodel.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QDeadlineTimer>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QIcon>
#include <QImage>
#include <QMessageBox>
#include <QPixmap>
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

int renderScreenshot(DesktopSession& session, const QString& path)
{
    MainWindow* window = session.window();
    window->resize(1440, 900);
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
    parser.addOptions({dataDirOption, portOption, screenshotOption});
    parser.process(app);

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
        return renderScreenshot(*created.session, screenshot);

    MainWindow* window = created.session->window();
    window->show();
    const int status = QApplication::exec();
    window->saveWindowState();
    return status;
}
