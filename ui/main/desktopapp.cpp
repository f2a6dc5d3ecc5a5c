#include "desktopapp.h"

#include <QApplication>
#include <QMainWindow>

int runDesktopApp(int argc, char** argv)
{
    QApplication app(argc, argv);
    QMainWindow window;
    window.setWindowTitle(QStringLiteral("Insights Events Debugger"));
    window.show();
    return app.exec();
}
