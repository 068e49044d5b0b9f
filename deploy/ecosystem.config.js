// pm2 process file for contract-bot (instead of systemd). From /opt/contract-bot:
//   npm run build && pm2 start deploy/ecosystem.config.js && pm2 save && pm2 startup
// The bot reads .env from its working directory (cwd below).
module.exports = {
  apps: [
    {
      name: 'contract-bot',
      cwd: '/opt/contract-bot',
      script: 'dist/bot/main.js',
      // One process per database file with SQLite; several instances may share PostgreSQL/MySQL.
      exec_mode: 'fork',
      instances: 1,
      autorestart: true,
      restart_delay: 5000,
      max_restarts: 20,
      // pm2 stops with SIGINT, which the bot handles like SIGTERM: it finishes its work within
      // STOP_DEADLINE_SECONDS (default 20). pm2 waits kill_timeout (ms) before SIGKILL: keep it longer.
      kill_timeout: 30000,
      // The bot's log lines are JSON with their own time; rotate these files with pm2-logrotate or
      // deploy/logrotate-pm2.conf.
      out_file: '/var/log/contract-bot/out.log',
      error_file: '/var/log/contract-bot/error.log',
      merge_logs: true,
      time: false,
      env: { NODE_ENV: 'production' },
    },
  ],
};
