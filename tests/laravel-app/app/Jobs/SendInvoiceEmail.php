<?php

namespace App\Jobs;

use App\Jobs\Concerns\RecordsRuns;
use Illuminate\Bus\Queueable;
use Illuminate\Contracts\Queue\ShouldBeEncrypted;
use Illuminate\Contracts\Queue\ShouldQueue;
use Illuminate\Foundation\Bus\Dispatchable;
use Illuminate\Queue\InteractsWithQueue;
use Illuminate\Queue\SerializesModels;
use RuntimeException;

/** Encrypted payload: data.command is an APP_KEY-encrypted blob, not "O:…". */
class SendInvoiceEmail implements ShouldQueue, ShouldBeEncrypted
{
    use Dispatchable, InteractsWithQueue, Queueable, SerializesModels, RecordsRuns;

    public $tries = 1;

    public $email;

    public $apiToken;

    public $fail;

    public function __construct(string $email, string $apiToken, bool $fail = false)
    {
        $this->email = $email;
        $this->apiToken = $apiToken;
        $this->fail = $fail;
    }

    public function handle(): void
    {
        $this->recordRun("invoice mail to {$this->email}");

        if ($this->fail) {
            throw new RuntimeException("SMTP 550 mailbox unavailable for {$this->email}");
        }
    }
}
