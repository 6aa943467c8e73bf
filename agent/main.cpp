#include "cli.h"

int main(int argc, char** argv) { return colo::agent::runCli(argc, argv); }
