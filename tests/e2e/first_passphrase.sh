# sourced by run.sh
